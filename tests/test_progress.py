"""Training progress as the demo reads it: phases, loss curves, time left, resumed runs."""
import numpy as np
import pytest
import keras

from zoo.progress import MAX_POINTS, Progress, ProgressFile, format_duration, read_progress


def _fit(progress: ProgressFile, epochs: int, initial_epoch: int = 0) -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.random.rand(64, 3).astype("float32"), np.random.rand(64, 1).astype("float32")
    model.fit(x, y, batch_size=8, epochs=epochs, initial_epoch=initial_epoch, validation_data=(x, y), verbose=0,
              callbacks=[progress.callback(epochs, interval=0.0)])


def test_a_fit_records_epochs_steps_curves_and_time_left(tmp_path):
    path = tmp_path / "progress.json"
    _fit(ProgressFile(path), epochs=3)
    progress = read_progress(path)
    assert progress.phase == "training" and (progress.epoch, progress.epochs) == (2, 3)
    assert (progress.step, progress.steps) == (8, 8)
    assert [x for x, _ in progress.val_loss] == [1.0, 2.0, 3.0]
    assert progress.loss[0][0] == pytest.approx(1 / 8) and progress.loss[-1][0] == 3.0
    assert progress.seconds_left == 0.0, "nothing is left after the last epoch"


def test_a_resumed_run_keeps_the_curve_of_the_epochs_it_does_not_repeat(tmp_path):
    path = tmp_path / "progress.json"
    _fit(ProgressFile(path), epochs=2)
    _fit(ProgressFile(path), epochs=4, initial_epoch=1)  # epoch 1 is repeated, as after a crash
    progress = read_progress(path)
    assert [x for x, _ in progress.val_loss] == [1.0, 2.0, 3.0, 4.0]
    positions = [x for x, _ in progress.loss]
    assert positions == sorted(positions) and len(positions) == len(set(positions))


def test_updates_from_two_writers_merge_and_unknown_phases_are_refused(tmp_path):
    path = tmp_path / "progress.json"
    first, second = ProgressFile(path), ProgressFile(path)
    first.update(phase="training", loss=[(0.5, 1.0)])
    second.update(phase="evaluating", message="held-out data")
    assert read_progress(path).loss == [(0.5, 1.0)] and read_progress(path).phase == "evaluating"
    with pytest.raises(ValueError, match="unknown phase 'done'"):
        first.update(phase="done")


def test_unreadable_progress_is_none_and_descriptions_read_as_sentences(tmp_path):
    assert read_progress(tmp_path / "missing.json") is None
    (tmp_path / "half.json").write_text('{"phase": "train')
    assert read_progress(tmp_path / "half.json") is None
    training = Progress("training", epoch=1, epochs=5, step=40, steps=100, loss=[(1.4, 0.3125)], seconds_left=200)
    assert training.describe() == "training: epoch 2/5, step 40/100, loss 0.3125, about 3 min left"
    assert Progress("failed", "ZooError: no data").describe() == "failed: ZooError: no data"
    assert [format_duration(s) for s in (45, 600, 3900)] == ["45 s", "10 min", "1 h 05 min"]


def test_long_curves_are_thinned(tmp_path):
    file = ProgressFile(tmp_path / "progress.json")
    callback = file.callback(epochs=1, interval=0.0)
    callback.set_params({"steps": 3 * MAX_POINTS, "epochs": 1})
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    for step in range(3 * MAX_POINTS):
        callback.on_train_batch_end(step, {"loss": 1.0})
    loss = read_progress(tmp_path / "progress.json").loss
    assert len(loss) <= MAX_POINTS + 1 and loss[-1][0] == pytest.approx(1.0)
