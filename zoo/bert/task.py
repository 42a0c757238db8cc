"""What the BERT tasks share: `BertTask` (config, backbone, tokenizer, the split of the task's
examples and their batches), `TextClassifierTask` (the tasks whose model classifies a text or a
pair of texts: keras-hub's `BertTextClassifier` unless the task builds its own) and `in_batches`
for running an endpoint over many inputs. Each task lives in `zoo/bert/tasks/`.

    task = zoo.get_task("bert_qa", train_examples=500)
    task.split.train, task.split.validation, task.split.test    # QAExamples on disjoint people, places, organizations
    model = zoo.train(task)
    task.evaluate(model, Path("models/bert_qa/evaluation")).metrics    # exact_match, f1, baseline
    task.endpoints(model)[0](question=["What is the capital of Peru?"], context=["... Lima ..."])
"""
from __future__ import annotations

import abc
import collections
import functools
from typing import Callable, ClassVar

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.backbone import load_backbone, load_tokenizer
from zoo.bert.config import BertConfig
from zoo.bert.data import split_read
from zoo.bert.tokenization import clean_utf8
from zoo.errors import ZooError
from zoo.task import Splits, Task

TEXT = tf.TensorSpec((None,), tf.string)
EVALUATION_BATCH = 128


def batches(inputs, targets=None, weights=None, *, batch_size: int, shuffle: bool = False, seed: int = 0) -> tf.data.Dataset:
    """A batched pipeline over precomputed arrays (the model sees int32 ids and masks only)."""
    parts = tuple(part for part in (inputs, targets, weights) if part is not None)
    ds = tf.data.Dataset.from_tensor_slices(parts if len(parts) > 1 else parts[0])
    if shuffle:
        ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def in_batches(function, size: int = 64, **arrays: np.ndarray) -> dict[str, list]:
    """Run an endpoint function over arrays in chunks; outputs concatenated per key as lists."""
    out = collections.defaultdict(list)
    total = len(next(iter(arrays.values())))
    for begin in range(0, total, size):
        for key, value in function(**{k: v[begin:begin + size] for k, v in arrays.items()}).items():
            out[key].extend(list(value))
    return out


class BertTask(Task):
    """What the BERT tasks share. A subclass sets its `config_class` and defines `split`, its
    examples as `Splits` (train / validation / test), and the rest of the `Task` protocol."""

    config_class = BertConfig
    config: BertConfig

    split: Splits   # each task's examples, a cached property

    @property
    def data(self) -> tuple:
        """(train, test) examples, as the QA, NER and NSP tasks held them before `split`; the
        demo tabs read the test examples from it."""
        return self.split.train, self.split.test

    @functools.cached_property
    def tokenizer(self) -> keras_hub.models.BertTokenizer:
        return load_tokenizer(self.config.backbone)

    def backbone(self) -> keras_hub.models.BertBackbone:
        c = self.config
        return load_backbone(c.backbone, layers=c.tiny_layers, hidden=c.tiny_hidden, seed=c.seed)

    def loss(self) -> keras.losses.Loss:
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def generated(self, generate: Callable[..., Splits]) -> Splits:
        """`generate(train_size, validation_size, test_size, seed=...)` with the config's sizes."""
        c = self.config
        if c.train_examples < 1:
            raise ZooError(f"{self.name} generates its examples, so train_examples must be at least 1 "
                           "(0, meaning all, applies to data read from a file)")
        return generate(c.train_examples, c.validation_examples, c.test_examples, seed=c.seed)

    def read_or_generate(self, path: str, read: Callable, generate: Callable[..., Splits]) -> Splits:
        """The examples of `path` read with `read` and cut in file order (`split_read`), or,
        without a path, generated."""
        if not path:
            return self.generated(generate)
        c = self.config
        return split_read(read(path), c.train_examples, c.validation_examples, c.test_examples)

    def encoded_splits(self, encode: Callable) -> Splits:
        """`self.split` encoded as (inputs, targets[, weights]) arrays by `encode`, batched."""
        c = self.config
        return Splits(
            train=batches(*encode(self.split.train), batch_size=c.batch_size, shuffle=True, seed=c.seed),
            validation=batches(*encode(self.split.validation), batch_size=EVALUATION_BATCH),
            test=batches(*encode(self.split.test), batch_size=EVALUATION_BATCH),
        )

    def build_eagerly(self, *names: str) -> None:
        """Create the named cached text-processing attributes now. Created inside a traced
        endpoint, their vocabulary tables would belong to that graph and fail in the next one
        (an export, the demo, a second endpoint over the same task)."""
        for name in names:
            getattr(self, name)


class TextClassifierTask(BertTask):
    """A task whose model classifies one text or a pair of texts per example over `labels`:
    keras-hub's `BertTextClassifier` (pooled [CLS] -> dense) unless the subclass overrides
    `build_model` with another model on the backbone's inputs that returns logits. A subclass sets
    `labels` and says how its examples become model inputs and targets (`encode`)."""

    labels: ClassVar[tuple[str, ...]]

    @functools.cached_property
    def preprocessor(self) -> keras_hub.models.BertTextClassifierPreprocessor:
        return keras_hub.models.BertTextClassifierPreprocessor(self.tokenizer, sequence_length=self.config.sequence_length)

    def model_inputs(self, *texts: tf.Tensor) -> dict[str, tf.Tensor]:
        """[CLS] text [SEP], or for two texts [CLS] first [SEP] second [SEP] with segment ids 0
        then 1, both trimmed round-robin to fit."""
        cleaned = tuple(clean_utf8(text) for text in texts)
        inputs = self.preprocessor(x=cleaned if len(cleaned) > 1 else cleaned[0])   # a positional tuple reads as (x, y)
        return {**inputs, "padding_mask": tf.cast(inputs["padding_mask"], tf.int32)}

    @abc.abstractmethod
    def encode(self, examples) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Model inputs (`model_inputs` as arrays) and class ids of `examples`."""

    def datasets(self) -> Splits:
        return self.encoded_splits(self.encode)

    def build_model(self) -> keras.Model:
        return keras_hub.models.BertTextClassifier(self.backbone(), num_classes=len(self.labels), preprocessor=None)

    def metrics(self) -> list:
        return ["accuracy"]

    def probabilities(self, model: keras.Model, *texts: tf.Tensor) -> tf.Tensor:
        """Class probabilities [N, classes] of raw texts (one tensor, or two for pairs)."""
        return tf.nn.softmax(model(self.model_inputs(*texts), training=False), axis=-1)

    def most_likely(self, probabilities: tf.Tensor) -> tf.Tensor:
        """The label of each row's most probable class."""
        return tf.gather(tf.constant(self.labels), tf.argmax(probabilities, axis=-1))

    def predicted_classes(self, model: keras.Model, examples) -> np.ndarray:
        """The most probable class id of each of `examples`."""
        return np.argmax(model.predict(batches(*self.encode(examples), batch_size=EVALUATION_BATCH), verbose=0), axis=-1)
