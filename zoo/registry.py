"""Every task the zoo knows, by name. A new family adds its entries here and nothing else.

    zoo.tasks()                                    # ['conv_autoencoder', ...]
    task = zoo.get_task("conv_autoencoder", code_size=4)
"""
from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from zoo.config import TaskConfig
from zoo.errors import ZooError
from zoo.task import Task


@dataclasses.dataclass(frozen=True)
class TaskEntry:
    """A registered task: its family, the class implementing it, and its config defaults."""

    name: str
    family: str
    task_class: str
    summary: str
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    quickstart: bool = True

    def load_class(self) -> type[Task]:
        module, _, attr = self.task_class.partition(":")
        return getattr(importlib.import_module(module), attr)


ENTRIES: tuple[TaskEntry, ...] = (
    TaskEntry(
        "conv_autoencoder", "autoencoders", "zoo.autoencoders.task:AutoencoderTask",
        "convolutional autoencoder on handwritten digits, compared with PCA",
        {"kind": "conv"},
    ),
    TaskEntry(
        "dense_autoencoder", "autoencoders", "zoo.autoencoders.task:AutoencoderTask",
        "fully connected autoencoder on handwritten digits",
        {"kind": "dense", "comparison_code_sizes": ()},
    ),
    TaskEntry(
        "denoising_autoencoder", "autoencoders", "zoo.autoencoders.task:AutoencoderTask",
        "convolutional autoencoder trained to remove Gaussian noise",
        {"kind": "denoising", "comparison_code_sizes": ()},
    ),
    TaskEntry(
        "variational_autoencoder", "autoencoders", "zoo.autoencoders.task:AutoencoderTask",
        "variational autoencoder: a smooth latent space you can sample from",
        {"kind": "variational", "code_size": 2, "comparison_code_sizes": ()},
    ),
)


def entries() -> dict[str, TaskEntry]:
    return {entry.name: entry for entry in ENTRIES}


def tasks() -> list[str]:
    """Names of all registered tasks."""
    return [entry.name for entry in ENTRIES]


def get_entry(name: str) -> TaskEntry:
    known = entries()
    if name not in known:
        raise ZooError(f"unknown task {name!r}; available: {', '.join(known)}")
    return known[name]


def get_task(name: str, config: TaskConfig | dict[str, Any] | None = None, **overrides: Any) -> Task:
    """Instantiate task `name` with its registered defaults, then `config`, then `overrides`."""
    entry = get_entry(name)
    task_class = entry.load_class()
    if isinstance(config, TaskConfig):
        values = config.to_dict()
    else:
        values = {**entry.defaults, **(config or {})}
    values.update(overrides)
    return task_class(name, task_class.config_class.from_dict(values))
