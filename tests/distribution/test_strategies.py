"""Strategies by name, and MirroredStrategy on 2 logical CPUs against 1 device."""
import subprocess
import sys

import pytest
import tensorflow as tf

from distribution_helpers import FACES_AUTOENCODER, load_weights, max_difference, replicas, run_training
from zoo import distribution
from zoo.errors import ZooError


def test_two_cpu_replicas_train_like_one_device_with_the_same_global_batch(tmp_path):
    one = run_training("mirrored", 1, tmp_path / "one", tmp_path / "one.npz", *FACES_AUTOENCODER, "epochs=3")
    two = run_training("mirrored", 2, tmp_path / "two", tmp_path / "two.npz", *FACES_AUTOENCODER, "epochs=3")
    assert (replicas(one), replicas(two)) == (1, 2)
    weights_one, weights_two = load_weights(tmp_path / "one.npz"), load_weights(tmp_path / "two.npz")
    assert max_difference(weights_one, weights_two) < 1e-5
    trained = max(float(abs(w).max()) for w in weights_one)
    assert trained > 0.05  # the weights being compared are real, not zeros
    history_one = (tmp_path / "one" / "dense_autoencoder" / "history.csv").read_text().splitlines()
    history_two = (tmp_path / "two" / "dense_autoencoder" / "history.csv").read_text().splitlines()
    assert len(history_one) == len(history_two) == 4
    for row_one, row_two in zip(history_one[1:], history_two[1:]):
        assert [float(v) for v in row_one.split(",")] == pytest.approx([float(v) for v in row_two.split(",")], rel=1e-5)


def test_cli_trains_under_a_strategy_and_says_how(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "train", FACES_AUTOENCODER[0], "--set", FACES_AUTOENCODER[1], "--epochs", "1",
         "--workdir", str(tmp_path), "--strategy", "mirrored", "--cpu-devices", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(MirroredStrategy, 2 replicas, global batch 32)" in result.stdout
    assert (tmp_path / "dense_autoencoder" / "model.keras").is_file()


@pytest.fixture
def no_strategy_yet(monkeypatch):
    monkeypatch.setattr(distribution, "_created", {})


def test_unknown_strategy_names_the_choices(no_strategy_yet):
    with pytest.raises(ZooError, match="unknown strategy 'horovod'; expected one of default, mirrored, multi_worker, tpu"):
        distribution.create_strategy("horovod")


def test_one_strategy_per_process(no_strategy_yet):
    assert distribution.create_strategy("default") is tf.distribute.get_strategy()
    assert distribution.create_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ZooError, match="already uses the 'default' strategy.*run 'mirrored' in a new process"):
        distribution.create_strategy("mirrored")


@pytest.mark.parametrize("config, message", [
    (None, "multi_worker needs TF_CONFIG"),
    ("{not json", "TF_CONFIG must be JSON with cluster.worker and task.index"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "task.index 2 is outside its 2 workers"),
])
def test_multi_worker_explains_a_missing_or_bad_tf_config(no_strategy_yet, monkeypatch, config, message):
    if config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", config)
    with pytest.raises(ZooError, match=message):
        distribution.create_strategy("multi_worker")
    assert distribution._created == {}


def test_tpu_without_a_tpu_is_a_clear_error_and_creates_nothing(no_strategy_yet, monkeypatch):
    monkeypatch.delenv("TPU_NAME", raising=False)
    with pytest.raises(ZooError, match="no TPU reachable .*set TPU_NAME"):
        distribution.create_strategy("tpu")
    assert distribution._created == {}


def test_the_cpu_cannot_be_split_once_tensorflow_runs(no_strategy_yet):
    tf.constant(1.0) + 1.0
    assert len(tf.config.list_logical_devices("CPU")) == 1
    with pytest.raises(ZooError, match="cannot split the CPU into 2 devices once TensorFlow is running"):
        distribution.split_cpu(2)
