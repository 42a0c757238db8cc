"""The `Task` protocol every family implements, in the order a user meets its parts:
data -> model -> train -> evaluate -> export -> serve -> demo.

    task = zoo.get_task("conv_autoencoder", epochs=5)
    splits = task.datasets()                 # tf.data train / validation / test
    model = task.build_model()
    task.compile(model)
    model.fit(splits.train, validation_data=splits.validation, epochs=task.config.epochs)
    report = task.evaluate(model, Path("out"))   # metrics, tables, figures
    task.examples()                          # inputs to try, per endpoint, with no model
    served = task.serving_model(model, "float16")   # what `serving.export` tracks, for a GPU
    endpoints = task.endpoints(served)       # what `serving.export` writes as signatures

Training, checkpoints and resuming are the same for every task and live in `zoo.training`.
"""
from __future__ import annotations

import abc
import dataclasses
from pathlib import Path
from typing import ClassVar, Generic, Mapping, TypeVar

import keras
import numpy as np
import tensorflow as tf

from zoo.config import TaskConfig
from zoo.endpoint import Endpoint
from zoo.errors import ZooError
from zoo.precision import Precision, with_precision


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Splits(Generic[T]):
    """Training, validation and held-out test parts of a dataset.

    `Task.datasets` returns them as batched `tf.data` pipelines of (inputs, targets); families
    split their raw examples the same way first:

        Splits(train=pairs[:800], validation=pairs[800:900], test=pairs[900:])   # Splits[list[Pair]]
    """

    train: T
    validation: T
    test: T


@dataclasses.dataclass
class Report:
    """What `evaluate` measured: scalar metrics, markdown tables and the files it wrote."""

    metrics: dict[str, float]
    tables: dict[str, str] = dataclasses.field(default_factory=dict)
    files: list[Path] = dataclasses.field(default_factory=list)


class Task(abc.ABC):
    """One trainable, servable model of a family, configured by one `TaskConfig`.

    Subclasses set `config_class` and implement the abstract methods. The first endpoint is
    the SavedModel's `serving_default`.

    A task that builds on another task's trained model names it in `requires()`; whoever runs
    it (`zoo.workflow`) trains that one first and passes its model file in `dependencies`. A
    task never trains another task.
    """

    config_class: ClassVar[type[TaskConfig]] = TaskConfig

    def __init__(self, name: str, config: TaskConfig, dependencies: Mapping[str, Path] | None = None):
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} takes a {self.config_class.__name__}, got {type(config).__name__}")
        self.name = name
        self.config = config
        self.dependencies = dict(dependencies or {})

    def requires(self) -> tuple[str, ...]:
        """Names of the tasks whose trained models this one builds on, for this config."""
        return ()

    def dependency(self, name: str) -> Path:
        """The trained model file of required task `name`."""
        if name not in self.dependencies:
            raise ZooError(f"{self.name} builds on the trained {name}; run it through zoo.workflow "
                           f"(`python -m zoo train {self.name}` trains {name} first)")
        return self.dependencies[name]

    def serves_untrained(self) -> bool:
        """Whether `build_model()` is already worth serving before training (pretrained weights
        fine-tuning starts from): the demo then answers with it while the fine-tune runs."""
        return False

    @abc.abstractmethod
    def datasets(self) -> Splits[tf.data.Dataset]:
        """The task's data as batched `tf.data` pipelines."""

    @abc.abstractmethod
    def build_model(self) -> keras.Model:
        """A fresh, uncompiled model for this config."""

    def compile(self, model: keras.Model) -> None:
        """Attach optimizer, loss and metrics (training defaults come from the config)."""
        model.compile(
            optimizer=keras.optimizers.Adam(self.config.learning_rate),
            loss=self.loss(),
            metrics=self.metrics(),
        )

    def loss(self) -> keras.losses.Loss | str:
        return "mse"

    def metrics(self) -> list:
        return []

    @abc.abstractmethod
    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        """Measure the trained model on held-out data; write tables and plots under `out_dir`."""

    @abc.abstractmethod
    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        """Inputs to try, by endpoint name then input name: a small batch of what a user sends,
        the first row the one to show first, built without a model. `endpoints` carry them
        (exports warm up and verify with them) and demos offer them.

            task.examples()["classify"]["text"][0]   # 'I love the new update, works great!'
        """

    @abc.abstractmethod
    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        """Serving endpoints over `model`, raw inputs in and decoded outputs out, each with its
        `examples()`."""

    def serving_model(self, model: keras.Model, precision: Precision = "float32") -> keras.Model:
        """The model an export tracks and its endpoints serve: the trained `model` computing in
        `precision`. A task whose trained model is not the one to serve (LoRA adapters to fold
        into the kernels) overrides it."""
        return with_precision(model, precision)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.config!r})"
