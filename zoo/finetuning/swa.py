"""Stochastic weight averaging (SWA) as a Keras callback, in the spirit of `torch.optim.swa_utils`.

From `start_epoch` (default: 75% of training) the callback can switch the optimizer to a
constant SWA learning rate, or a cyclic one that falls linearly from `swa_learning_rate` to
`min_learning_rate` every `cycle_steps` steps. It keeps an equal running average of the
trainable weights, taken at each epoch end, every `average_every_steps` steps, or at the end
of each cycle, and swaps the average into the model when training ends. A model with
BatchNormalization layers gets its moving statistics recomputed over `batchnorm_data`, since
the averaged weights never produced the statistics the model kept while training.

    swa = StochasticWeightAveraging(swa_learning_rate=1e-3, batchnorm_data=train_ds, state_dir="run/swa")
    model.fit(train_ds, epochs=20, callbacks=[swa])     # the model now holds the average

Mid-training (in another callback, say), `with swa.average_in(model): model.evaluate(val_ds)`
evaluates the average so far and puts every weight back afterwards.

With `state_dir` the average and its count are saved each epoch, so an interrupted run resumed
with `keras.callbacks.BackupAndRestore` ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path
from typing import Callable, Iterator

import keras
import numpy as np
import tensorflow as tf

from zoo.io import write_atomically


class StochasticWeightAveraging(keras.callbacks.Callback):
    """Average the weights seen late in training and end training with that average.

    start_epoch: first epoch (0-based) that is averaged; default 75% of `fit`'s epochs.
    swa_learning_rate: from `start_epoch`, a constant learning rate (or the cycle's top rate);
        None keeps the optimizer's own rate or schedule.
    cycle_steps, min_learning_rate: a cyclic rate falling linearly to `min_learning_rate` over
        each cycle, averaged at cycle ends.
    average_every_steps: average every k optimizer steps instead of at epoch ends.
    batchnorm_data: the data to recompute BatchNormalization statistics over (required when
        the model has BatchNormalization layers).
    state_dir: where the average and its count are saved each epoch, to resume from.

    Each `fit` call starts a new average, so use one `fit` call per training run.
    """

    def __init__(
        self,
        start_epoch: int | None = None,
        *,
        swa_learning_rate: float | None = None,
        cycle_steps: int | None = None,
        min_learning_rate: float = 0.0,
        average_every_steps: int | None = None,
        batchnorm_data: tf.data.Dataset | None = None,
        state_dir: str | Path | None = None,
    ):
        super().__init__()
        if cycle_steps is not None and (swa_learning_rate is None or average_every_steps is not None):
            raise ValueError("a cyclic schedule needs swa_learning_rate and averages at cycle ends (no average_every_steps)")
        self.start_epoch = start_epoch
        self.swa_learning_rate = swa_learning_rate
        self.cycle_steps = cycle_steps
        self.min_learning_rate = min_learning_rate
        self.average_every_steps = cycle_steps or average_every_steps
        self.batchnorm_data = batchnorm_data
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._flat_average: tf.Tensor | None = None
        self._fold = None
        self._fold_weights: tuple[int, ...] = ()
        self.count = 0
        self.start_iteration: int | None = None
        self._first_epoch = True

    def on_train_begin(self, logs=None):
        epochs = self.params["epochs"]
        self._start = self.start_epoch if self.start_epoch is not None else min(math.floor(0.75 * epochs), epochs - 1)
        if self.swa_learning_rate is not None and not isinstance(self.model.optimizer.learning_rate, keras.Variable):
            raise ValueError("swa_learning_rate needs an optimizer with a float learning rate, not a schedule")
        if batchnorm_layers(self.model) and self.batchnorm_data is None:
            raise ValueError("the model has BatchNormalization layers: pass batchnorm_data to recompute their statistics")
        self._flat_average, self.count, self.start_iteration = None, 0, None
        self._first_epoch = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch and epoch > 0 and self.state_dir is not None:
            self._load_state(epoch - 1)
        self._first_epoch = False
        if epoch < self._start:
            return
        if self.start_iteration is None:
            self.start_iteration = self._iterations()
        if self.swa_learning_rate is not None and self.cycle_steps is None:
            self.model.optimizer.learning_rate.assign(self.swa_learning_rate)

    def on_train_batch_begin(self, batch, logs=None):
        if self.cycle_steps is None or self.start_iteration is None:
            return
        step = self._iterations() - self.start_iteration
        position = (step % self.cycle_steps + 1) / self.cycle_steps
        rate = (1 - position) * self.swa_learning_rate + position * self.min_learning_rate
        self.model.optimizer.learning_rate.assign(rate)

    def on_train_batch_end(self, batch, logs=None):
        if self.average_every_steps is None or self.start_iteration is None:
            return
        if (self._iterations() - self.start_iteration) % self.average_every_steps == 0:
            self.update_average()

    def on_epoch_end(self, epoch, logs=None):
        if self.average_every_steps is None and epoch >= self._start:
            self.update_average()
        if self.state_dir is not None:
            self._save_state(epoch)

    def on_train_end(self, logs=None):
        if self.count:
            self.swap_in_average(self.model)

    def _iterations(self) -> int:
        return int(self.model.optimizer.iterations.numpy())

    @property
    def average(self) -> list[np.ndarray] | None:
        """The averaged trainable weights, shaped like the model's (None before the first snapshot)."""
        if self._flat_average is None:
            return None
        flat = self._flat_average.numpy()
        shapes = [tuple(variable.shape) for variable in self.model.trainable_variables]
        ends = np.cumsum([math.prod(shape) for shape in shapes])
        return [part.reshape(shape) for part, shape in zip(np.split(flat, ends[:-1]), shapes)]

    def update_average(self) -> None:
        """Fold the model's current trainable weights into the equal running average.

        The average is one flat float32 tensor computed by one compiled function, so averaging
        every step costs about one extra read of the weights.
        """
        weights = self.model.trainable_variables
        if self._flat_average is None:
            self._flat_average = flatten(weights)
        else:
            self._flat_average = self._fold_into(weights)(self._flat_average, tf.constant(self.count + 1, tf.float32))
        self.count += 1

    def _fold_into(self, weights: list) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
        """The compiled fold with `weights` captured, not passed: handing a BERT's ~100 variables
        to a `tf.function` as arguments costs several times the fold itself."""
        key = tuple(id(weight) for weight in weights)
        if self._fold is None or key != self._fold_weights:
            self._fold = tf.function(lambda average, count: fold_into_average(average, weights, count), jit_compile=True)
            self._fold_weights = key
        return self._fold

    def swap_in_average(self, model: keras.Model) -> None:
        """Load the averaged weights into `model` and recompute its BatchNormalization statistics."""
        if self.average is None:
            raise ValueError("nothing has been averaged yet")
        for variable, average in zip(model.trainable_variables, self.average):
            variable.assign(average.astype(variable.dtype))
        if batchnorm_layers(model):
            update_batchnorm_statistics(model, self.batchnorm_data)

    @contextlib.contextmanager
    def average_in(self, model: keras.Model) -> Iterator[keras.Model]:
        """Evaluate with the average mid-training: swap it in, and restore every weight afterwards."""
        saved = model.get_weights()
        self.swap_in_average(model)
        try:
            yield model
        finally:
            model.set_weights(saved)

    def _state_path(self, epoch: int) -> Path:
        return self.state_dir / f"swa-epoch-{epoch}.npz"

    def _save_state(self, epoch: int) -> None:
        buffer = io.BytesIO()
        arrays = {} if self._flat_average is None else {"average": self._flat_average.numpy()}
        start = -1 if self.start_iteration is None else self.start_iteration
        np.savez(buffer, count=self.count, start_iteration=start, **arrays)
        write_atomically(self._state_path(epoch), buffer.getvalue())
        self._state_path(epoch - 2).unlink(missing_ok=True)

    def _load_state(self, epoch: int) -> None:
        path = self._state_path(epoch)
        if not path.exists():
            raise FileNotFoundError(f"resuming after epoch {epoch} needs the SWA state {path}")
        with np.load(path) as state:
            self.count = int(state["count"])
            start = int(state["start_iteration"])
            self.start_iteration = None if start < 0 else start
            self._flat_average = tf.constant(state["average"]) if "average" in state.files else None


def flatten(weights: list) -> tf.Tensor:
    """All weights as one float32 vector, in order."""
    return tf.concat([tf.reshape(tf.cast(weight, tf.float32), [-1]) for weight in weights], axis=0)


def fold_into_average(average: tf.Tensor, weights: list, count: tf.Tensor) -> tf.Tensor:
    """The running mean after folding in the `count`-th snapshot of `weights`."""
    return average + (flatten(weights) - average) / count


def batchnorm_layers(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def update_batchnorm_statistics(model: keras.Model, data: tf.data.Dataset) -> int:
    """Recompute every BatchNormalization layer's moving mean and variance over `data`.

    Runs the model in training mode over each batch (inputs, or (inputs, targets) pairs) with
    each layer's momentum set so that the moving statistics end as the sample-weighted mean of
    the batch statistics, like `torch.optim.swa_utils.update_bn`. Returns the examples seen.
    """
    layers = batchnorm_layers(model)
    momenta = [layer.momentum for layer in layers]
    seen = 0
    try:
        for batch in data:
            inputs = batch[0] if isinstance(batch, tuple) else batch
            size = int(tf.shape(tf.nest.flatten(inputs)[0])[0])
            for layer in layers:
                layer.momentum = seen / (seen + size)
            model(inputs, training=True)
            seen += size
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return seen
