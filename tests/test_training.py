import csv

import keras
import numpy as np
import pytest

import zoo
from zoo.errors import ZooError
from zoo.training import run_directory, train
from zoo.workflow import load_trained


class CrashAfterEpoch(keras.callbacks.Callback):
    """Stands in for a killed process: stops training abruptly after a given epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def history_rows(run):
    with open(run.history) as handle:
        return list(csv.DictReader(handle))


def test_interrupted_training_resumes_where_it_stopped(tmp_path):
    task = zoo.get_task("dense_autoencoder", epochs=4, comparison_code_sizes=[])
    run = run_directory(tmp_path, task.name)
    with pytest.raises(KeyboardInterrupt):
        train(task, tmp_path, verbose=0, callbacks=[CrashAfterEpoch(1)])
    assert run.backup.is_dir() and not run.model.exists()
    before = history_rows(run)
    assert [r["epoch"] for r in before] == ["0", "1"]

    model = train(task, tmp_path, verbose=0)
    rows = history_rows(run)
    assert [r["epoch"] for r in rows] == ["0", "1", "2", "3"], "resumed at epoch 2, did not start over"
    losses = [float(r["loss"]) for r in rows]
    assert losses[2] < losses[0], "the resumed epoch starts from the trained weights"
    assert run.model.is_file() and not run.backup.exists()
    _, loaded = load_trained(task.name, tmp_path)
    batch = task.split.test.images[:8]
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)


def test_finished_run_is_loaded_not_retrained(trained_run):
    run = run_directory(trained_run.workdir, trained_run.task.name)
    stamp = run.model.stat().st_mtime_ns
    train(trained_run.task, trained_run.workdir, verbose=0)
    assert run.model.stat().st_mtime_ns == stamp


def test_a_different_config_in_the_same_place_is_refused(trained_run):
    other = zoo.get_task("conv_autoencoder", epochs=6, code_size=5)
    with pytest.raises(ZooError, match=r"different config \(fields \['code_size', .*\] differ\); pass --fresh"):
        train(other, trained_run.workdir, verbose=0)


def test_corrupt_checkpoint_gives_a_clear_error(tmp_path):
    task = zoo.get_task("dense_autoencoder", epochs=1)
    run = run_directory(tmp_path, task.name)
    run.root.mkdir(parents=True)
    run.config.write_text(task.config.to_json())
    run.model.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ZooError, match="model.keras is not a Keras model archive .corrupt or truncated.; retrain with --fresh"):
        load_trained(task.name, tmp_path)


def test_corrupt_training_backup_gives_a_clear_error(tmp_path):
    task = zoo.get_task("dense_autoencoder", epochs=3)
    run = run_directory(tmp_path, task.name)
    with pytest.raises(KeyboardInterrupt):
        train(task, tmp_path, verbose=0, callbacks=[CrashAfterEpoch(0)])
    for path in run.backup.glob("*.h5*"):
        path.write_bytes(b"not hdf5")
    with pytest.raises(ZooError, match="training backup in .* is unreadable .*pass --fresh"):
        train(task, tmp_path, verbose=0)
    train(task, tmp_path, verbose=0, fresh=True)
    assert run.model.is_file()


def test_a_kill_between_the_history_row_and_the_backup_leaves_no_gap_or_duplicate(tmp_path, monkeypatch):
    task = zoo.get_task("dense_autoencoder", epochs=4, comparison_code_sizes=[])
    run = run_directory(tmp_path, task.name)
    save_backup = keras.callbacks.BackupAndRestore.on_epoch_end

    def killed_before_backing_up_epoch_1(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt
        save_backup(self, epoch, logs)

    monkeypatch.setattr(keras.callbacks.BackupAndRestore, "on_epoch_end", killed_before_backing_up_epoch_1)
    with pytest.raises(KeyboardInterrupt):
        train(task, tmp_path, verbose=0)
    assert [r["epoch"] for r in history_rows(run)] == ["0", "1"]  # epoch 1's row, but no backup of it
    monkeypatch.undo()

    train(task, tmp_path, verbose=0)
    rows = history_rows(run)
    assert [r["epoch"] for r in rows] == ["0", "1", "2", "3"], "epoch 1 was trained again and its row replaced"
