"""Train any task with checkpoints that survive an interruption, and load what was trained.

A run lives in `workdir/<task name>/`:
    config.json        the config it was trained with (evaluate and export reuse it)
    backup/            Keras `BackupAndRestore` state, written each epoch, removed when done
    history.csv        one row per finished epoch, kept across resumes
    model.keras        the finished model, written atomically

Interrupt `train` at any point and run it again: it resumes from the last finished epoch.
Under a distribution strategy (`zoo.distribution`) the model, optimizer, metrics and callbacks
are created in its scope; with several workers only the chief writes these files, and every
worker resumes from the chief's backup (keep `workdir` on storage they all reach).

    model = train(zoo.get_task("conv_autoencoder"), "models")
    model = train(task, "models", strategy=create_strategy("mirrored", cpu_devices=2))
    model = load_model(run_directory("models", "conv_autoencoder").model)
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import warnings
import zipfile
from pathlib import Path

import keras
import tensorflow as tf

from zoo.distribution import is_chief, is_multi_worker, shard_by_data
from zoo.errors import ZooError
from zoo.io import write_atomically
from zoo.multi_worker_fit import fit_across_workers
from zoo.task import Task


@dataclasses.dataclass(frozen=True)
class RunDirectory:
    """The files of one task's training run."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def model(self) -> Path:
        return self.root / "model.keras"

    @property
    def backup(self) -> Path:
        return self.root / "backup"

    @property
    def history(self) -> Path:
        return self.root / "history.csv"

    @property
    def evaluation(self) -> Path:
        return self.root / "evaluation"

    @property
    def progress(self) -> Path:
        return self.root / "progress.json"

    def saved_config(self) -> dict | None:
        if not self.config.is_file():
            return None
        try:
            return json.loads(self.config.read_text())
        except json.JSONDecodeError as error:
            raise ZooError(f"{self.config} is not valid JSON ({error}); delete it or retrain with --fresh") from error


def run_directory(workdir: str | Path, task_name: str) -> RunDirectory:
    return RunDirectory(Path(workdir) / task_name)


def save_model_atomically(model: keras.Model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.partial.keras"
    model.save(tmp)
    os.replace(tmp, path)


def train(
    task: Task,
    workdir: str | Path = "models",
    *,
    fresh: bool = False,
    verbose: int | str = "auto",
    callbacks: list[keras.callbacks.Callback] | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> keras.Model:
    """Train `task` to its configured epochs, resuming an interrupted run of the same config.

    A finished run with the same config is loaded, not retrained, unless `fresh`. A run with
    a different config in the same place is an error unless `fresh` (which starts over).
    `strategy` (default: the current one) holds the model; `task.config.batch_size` is global.
    """
    strategy = strategy or tf.distribute.get_strategy()
    chief = is_chief(strategy)
    run = run_directory(workdir, task.name)
    wanted = json.loads(task.config.to_json())
    saved = run.saved_config()
    if fresh:
        if chief:  # other workers leave the shared run directory to the chief
            for stale in (run.backup, run.model, run.history):
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)
    elif saved is not None and saved != wanted and (run.backup.exists() or run.model.exists()):
        changed = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
        raise ZooError(
            f"{run.root} holds a run of {task.name} with a different config (fields {changed} differ); "
            "pass --fresh to start over, or use another --workdir"
        )
    elif run.model.exists() and not run.backup.exists():
        return load_model(run.model)

    if chief:
        if not run.backup.exists():
            run.history.unlink(missing_ok=True)
        write_atomically(run.config, task.config.to_json())
    keras.utils.set_random_seed(task.config.seed)
    splits = task.datasets()
    with strategy.scope():
        model = task.build_model()
        task.compile(model)
        if chief:
            run_callbacks = [HistoryCSV(run.history),  # before the backup: see HistoryCSV
                             keras.callbacks.BackupAndRestore(str(run.backup), double_checkpoint=True)]
        else:  # on --fresh, start at epoch 0 like the chief, whatever backup is still on disk
            run_callbacks = [] if fresh else [RestoreOnly(str(run.backup), double_checkpoint=True)]
        all_callbacks = [*run_callbacks, *(callbacks or [])]
    fit = fit_across_workers if is_multi_worker(strategy) else _fit
    try:
        fit(model, shard_by_data(splits.train), shard_by_data(splits.validation),
            epochs=task.config.epochs, callbacks=all_callbacks, verbose=verbose)
    except tf.errors.UnavailableError as error:
        raise ZooError(
            f"a worker of the cluster stopped ({error.message.splitlines()[0]}); start every worker again with the "
            f"same command{' without --fresh' if fresh else ''}: training resumes from the last epoch saved in "
            f"{run.backup}"
        ) from error
    except OSError as error:
        if not run.backup.exists():
            raise
        raise ZooError(
            f"the training backup in {run.backup} is unreadable ({error}); pass --fresh to start over"
        ) from error
    if chief:
        save_model_atomically(model, run.model)
        shutil.rmtree(run.backup, ignore_errors=True)
    return model


def _fit(model: keras.Model, train: tf.data.Dataset, validation: tf.data.Dataset, **kwargs) -> keras.callbacks.History:
    return model.fit(train, validation_data=validation, shuffle=False, **kwargs)  # the tf.data pipeline shuffles


class HistoryCSV(keras.callbacks.Callback):
    """`history.csv`: one row per finished epoch (`epoch` and the logs), rewritten atomically.

    It runs before the backup at each epoch end, so a process killed between the two leaves a
    row for an epoch the backup does not hold. The resumed run repeats that epoch, and this
    logger's first row then replaces every row from that epoch on: no gaps, no duplicates.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.rows: list[dict[str, str]] | None = None

    def on_epoch_end(self, epoch, logs=None):
        if self.rows is None:
            self.rows = [row for row in self._read() if int(row["epoch"]) < epoch]
        self.rows.append({"epoch": str(epoch), **{key: repr(float(value)) for key, value in (logs or {}).items()}})
        columns = ["epoch", *sorted({key for row in self.rows for key in row} - {"epoch"})]
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_atomically(self.path, text.getvalue())

    def _read(self) -> list[dict[str, str]]:
        if not self.path.is_file():
            return []
        with open(self.path, newline="") as handle:
            return list(csv.DictReader(handle))


class RestoreOnly(keras.callbacks.BackupAndRestore):
    """A non-chief worker's backup: resumes from the chief's files, never writes or removes them."""

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


def load_model(path: Path) -> keras.Model:
    """Load a `.keras` file, turning a missing or corrupt file into a clear `ZooError`."""
    if not path.is_file():
        raise ZooError(f"no trained model at {path}")
    if not zipfile.is_zipfile(path):
        raise ZooError(f"{path} is not a Keras model archive (corrupt or truncated); retrain with --fresh")
    try:
        with warnings.catch_warnings():
            # The optimizer's slots are created on its first step, so Keras cannot restore them
            # into a freshly loaded model and says so; a finished model does not need them.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            # keras-hub tasks override `compile`, so Keras cannot recompile them on load; a
            # finished model is evaluated and exported, and `train` compiles what it trains.
            warnings.filterwarnings("ignore", message=r"`compile\(\)` was not called as part of model loading")
            return keras.saving.load_model(path)
    except Exception as error:
        raise ZooError(f"{path} could not be loaded ({type(error).__name__}: {error}); retrain with --fresh") from error
