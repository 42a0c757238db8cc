"""Stochastic weight averaging: the result is the mean of the snapshots it averaged (recorded
here independently), learning rates switch as configured, BatchNormalization statistics are
recomputed, and it works under a tf.distribute strategy."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.finetuning import StochasticWeightAveraging

STEPS_PER_EPOCH = 4


def regression_data(offset=(0.0, 0.0, 0.0)) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(32, 3)) * [1.0, 2.0, 0.5] + offset).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(32 // STEPS_PER_EPOCH)


def small_model(batchnorm: bool = False, learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 0.05) -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    x = keras.layers.BatchNormalization(name="bn")(inputs) if batchnorm else inputs
    x = keras.layers.Dense(4, activation="tanh")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


class Recorder(keras.callbacks.Callback):
    """Trainable weights at every epoch end and batch end, and the learning rate at each batch."""

    def __init__(self):
        super().__init__()
        self.at_epoch_end, self.at_step, self.rates = [], {}, []

    def weights(self):
        return [v.numpy().astype(np.float64) for v in self.model.trainable_variables]

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate.numpy()))

    def on_train_batch_end(self, batch, logs=None):
        self.at_step[int(self.model.optimizer.iterations.numpy())] = self.weights()

    def on_epoch_end(self, epoch, logs=None):
        self.at_epoch_end.append(self.weights())


def assert_weights_are_mean_of(model, snapshots):
    for i, variable in enumerate(model.trainable_variables):
        expected = np.mean([snapshot[i] for snapshot in snapshots], axis=0)
        np.testing.assert_allclose(variable.numpy(), expected.astype("float32"), rtol=1e-6, atol=1e-7)


def test_epoch_averages_from_default_start_and_ends_with_their_mean():
    model, recorder = small_model(), Recorder()
    swa = StochasticWeightAveraging()
    model.fit(regression_data(), epochs=8, callbacks=[recorder, swa], verbose=0, shuffle=False)
    assert swa.count == 2  # epochs 6 and 7: from 75% of 8 epochs
    assert_weights_are_mean_of(model, recorder.at_epoch_end[6:])
    assert not np.allclose(model.trainable_variables[0].numpy(), recorder.at_epoch_end[-1][0])


def test_every_k_steps_at_a_constant_swa_rate():
    model, recorder = small_model(), Recorder()
    swa = StochasticWeightAveraging(start_epoch=2, swa_learning_rate=0.01, average_every_steps=3)
    model.fit(regression_data(), epochs=5, callbacks=[swa, recorder], verbose=0, shuffle=False)
    start = 2 * STEPS_PER_EPOCH
    np.testing.assert_allclose(recorder.rates, [0.05] * start + [0.01] * (3 * STEPS_PER_EPOCH), rtol=1e-6)
    averaged = [recorder.at_step[step] for step in range(start + 3, 5 * STEPS_PER_EPOCH + 1, 3)]
    assert swa.count == len(averaged) == 4
    assert_weights_are_mean_of(model, averaged)


def test_cyclic_rate_falls_linearly_each_cycle_and_averages_at_cycle_ends():
    model, recorder = small_model(), Recorder()
    swa = StochasticWeightAveraging(start_epoch=1, swa_learning_rate=0.04, min_learning_rate=0.01, cycle_steps=3)
    model.fit(regression_data(), epochs=4, callbacks=[swa, recorder], verbose=0, shuffle=False)
    swa_rates = recorder.rates[STEPS_PER_EPOCH:]
    cycle = [0.03, 0.02, 0.01]  # (1 - t) * 0.04 + t * 0.01 for t = 1/3, 2/3, 1
    np.testing.assert_allclose(swa_rates, (cycle * 4)[: len(swa_rates)], rtol=1e-6)
    assert_weights_are_mean_of(model, [recorder.at_step[STEPS_PER_EPOCH + 3 * k] for k in (1, 2, 3, 4)])


def test_batchnorm_statistics_are_recomputed_over_the_data():
    data = regression_data(offset=(5.0, -2.0, 10.0))
    model = small_model(batchnorm=True)
    swa = StochasticWeightAveraging(start_epoch=1, batchnorm_data=data)
    model.fit(data, epochs=3, callbacks=[swa], verbose=0, shuffle=False)
    inputs = np.concatenate([x for x, _ in data.as_numpy_iterator()])
    batch_variances = [x.var(axis=0) for x, _ in data.as_numpy_iterator()]
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), inputs.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), np.mean(batch_variances, axis=0), rtol=1e-5)
    assert bn.momentum == 0.99


def test_batchnorm_model_without_data_is_refused():
    with pytest.raises(ValueError, match="batchnorm_data"):
        small_model(batchnorm=True).fit(regression_data(), epochs=2, callbacks=[StochasticWeightAveraging()], verbose=0, shuffle=False)


def test_swa_rate_with_a_schedule_is_refused():
    model = small_model(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(ValueError, match="schedule"):
        model.fit(regression_data(), epochs=2, callbacks=[StochasticWeightAveraging(swa_learning_rate=0.01)], verbose=0, shuffle=False)


def test_average_in_swaps_for_evaluation_and_restores_every_weight():
    model, recorder = small_model(batchnorm=True), Recorder()
    swa = StochasticWeightAveraging(start_epoch=1, batchnorm_data=regression_data())
    model.fit(regression_data(), epochs=3, callbacks=[recorder, swa], verbose=0, shuffle=False)
    model.set_weights([w + 1.0 for w in model.get_weights()])
    trained = model.get_weights()
    with swa.average_in(model):
        assert_weights_are_mean_of(model, recorder.at_epoch_end[1:])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), trained))


def test_under_a_mirrored_strategy():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model, recorder = small_model(), Recorder()
    swa = StochasticWeightAveraging(start_epoch=2, swa_learning_rate=0.02, average_every_steps=2)
    model.fit(regression_data(), epochs=4, callbacks=[recorder, swa], verbose=0, shuffle=False)
    assert isinstance(model.trainable_variables[0].value, tf.distribute.DistributedValues)
    np.testing.assert_allclose(recorder.rates[-1], 0.02)
    assert_weights_are_mean_of(model, [recorder.at_step[step] for step in range(10, 17, 2)])


TWO_REPLICAS = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, sys.argv[1])
import test_swa as t
from zoo.finetuning import StochasticWeightAveraging, layerwise_lr_multipliers, layerwise_optimizer
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

def train(recorder):
    model = t.small_model()
    groups = [[model.layers[1]], [model.layers[2]]]
    model.compile(optimizer=layerwise_optimizer(t.keras.optimizers.AdamW(0.01), layerwise_lr_multipliers(groups, 0.5)), loss="mse")
    swa = StochasticWeightAveraging(start_epoch=1, average_every_steps=2)
    model.fit(t.regression_data(), epochs=3, callbacks=[swa, recorder], verbose=0, shuffle=False)
    return model, swa

with strategy.scope():
    recorder = t.Recorder()
    model, swa = train(recorder)
t.assert_weights_are_mean_of(model, [recorder.at_step[step] for step in range(6, 13, 2)])
single_device, _ = train(t.Recorder())
for a, b in zip(model.weights, single_device.weights):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
print(strategy.num_replicas_in_sync, swa.count, model.optimizer.multiplier(model.trainable_variables[0]))
"""


def test_under_two_mirrored_replicas():
    """LLRD and SWA on two real replicas end where one device does. The replicas need their
    own process: logical devices are fixed when TensorFlow starts."""
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": str(here.parent.parent)}
    result = subprocess.run([sys.executable, "-c", TWO_REPLICAS, str(here)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["2", "4", "0.5"]
