"""An interrupted run with layer-wise rates and SWA, resumed from its checkpoints, ends with
the same weights as an uninterrupted one."""
from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.finetuning import StochasticWeightAveraging, layerwise_lr_multipliers, layerwise_optimizer

EPOCHS = 6


class Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch: int):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def data() -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3)).astype("float32")
    y = np.tanh(x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def fresh_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    x = keras.layers.Dense(8, activation="tanh", name="low")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Dense(8, activation="tanh", name="high")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(x))
    multipliers = layerwise_lr_multipliers([[model.get_layer("low")], [model.get_layer("high")]], decay=0.3)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, decay_steps=40, warmup_target=0.01, warmup_steps=6)
    model.compile(optimizer=layerwise_optimizer(keras.optimizers.AdamW(schedule, weight_decay=0.05), multipliers), loss="mse")
    return model


def fit(model: keras.Model, workdir, extra: list[keras.callbacks.Callback]) -> None:
    swa = StochasticWeightAveraging(start_epoch=3, average_every_steps=2, batchnorm_data=data(), state_dir=workdir / "swa")
    backup = keras.callbacks.BackupAndRestore(str(workdir / "backup"))
    model.fit(data(), epochs=EPOCHS, callbacks=[backup, swa, *extra], verbose=0, shuffle=False)


def test_resumed_run_ends_with_the_uninterrupted_weights(tmp_path):
    uninterrupted = fresh_model()
    fit(uninterrupted, tmp_path / "straight", [])

    with pytest.raises(RuntimeError, match="interrupted"):
        fit(fresh_model(), tmp_path / "resumed", [Interrupt(at_epoch=4)])
    assert sorted(p.name for p in (tmp_path / "resumed" / "swa").iterdir()) == ["swa-epoch-2.npz", "swa-epoch-3.npz"]
    resumed = fresh_model()
    fit(resumed, tmp_path / "resumed", [])

    assert int(resumed.optimizer.iterations.numpy()) == EPOCHS * 6
    for a, b in zip(uninterrupted.weights, resumed.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    interrupted_without_state = fresh_model()
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(interrupted_without_state, tmp_path / "lost", [Interrupt(at_epoch=4)])
    (tmp_path / "lost" / "swa" / "swa-epoch-3.npz").unlink()
    with pytest.raises(FileNotFoundError, match="swa-epoch-3"):
        fit(fresh_model(), tmp_path / "lost", [])
