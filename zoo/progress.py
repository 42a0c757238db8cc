"""Where a task is on its way to being served, as a small JSON file others can watch.

`zoo.workflow` writes `<run>/progress.json` as it trains, evaluates and exports a task; the
demo reads it to show a tab's training live (phase, epoch, loss curve, time left).

    progress = ProgressFile(run.progress)
    progress.update(phase="evaluating", message="held-out perplexity and sample answers")
    model.fit(..., callbacks=[progress.callback(epochs=3)])
    read_progress(run.progress).seconds_left
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import keras

from zoo.io import write_atomically

PHASES = ("queued", "training", "trained", "evaluating", "exporting", "ready", "failed")
MAX_POINTS = 400
"""Loss points kept per curve; older ones are thinned to every other point beyond that."""


@dataclasses.dataclass
class Progress:
    """One task's state: `phase` (one of `PHASES`), a sentence for people, and while training the
    epoch and step reached, the loss curves as (epoch, loss) points and the estimated time left."""

    phase: str = "queued"
    message: str = ""
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps: int | None = None
    loss: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    val_loss: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    seconds_left: float | None = None
    updated: float = 0.0

    def describe(self) -> str:
        """One line for a status panel, e.g. 'training: epoch 2/5, step 40/100, loss 0.31, about 3 min left'."""
        if self.phase != "training":
            return f"{self.phase}{': ' + self.message if self.message else ''}"
        parts = [f"epoch {self.epoch + 1}/{self.epochs}"]
        if self.steps:
            parts.append(f"step {self.step}/{self.steps}")
        if self.loss:
            parts.append(f"loss {self.loss[-1][1]:.4g}")
        if self.seconds_left is not None:
            parts.append(f"about {format_duration(self.seconds_left)} left")
        return "training: " + ", ".join(parts) + (f" ({self.message})" if self.message else "")


def format_duration(seconds: float) -> str:
    """'45 s', '3 min', '1 h 05 min'."""
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def read_progress(path: Path) -> Progress | None:
    """The progress at `path`, or None when there is none (or it cannot be read yet)."""
    try:
        values = json.loads(Path(path).read_text())
        return Progress(**{**values, "loss": [tuple(p) for p in values.get("loss", [])],
                           "val_loss": [tuple(p) for p in values.get("val_loss", [])]})
    except (OSError, ValueError, TypeError):
        return None


class ProgressFile:
    """Updates a task's `Progress` at `path` atomically: each update changes only the fields it
    names in what the file holds, so the curves of a resumed run are kept."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.progress = read_progress(self.path) or Progress()

    def update(self, **changes) -> Progress:
        if "phase" in changes and changes["phase"] not in PHASES:
            raise ValueError(f"unknown phase {changes['phase']!r}; expected one of {PHASES}")
        current = read_progress(self.path) or self.progress  # another ProgressFile may have written since
        self.progress = dataclasses.replace(current, **changes, updated=time.time())
        write_atomically(self.path, json.dumps(dataclasses.asdict(self.progress)))
        return self.progress

    def callback(self, epochs: int, interval: float = 1.0, message: str = "") -> keras.callbacks.Callback:
        """A Keras callback recording training into this file at most every `interval` seconds."""
        return _TrainingProgress(self, epochs, interval, message)


class _TrainingProgress(keras.callbacks.Callback):
    def __init__(self, file: ProgressFile, epochs: int, interval: float, message: str):
        super().__init__()
        self.file, self.epochs, self.interval, self.message = file, epochs, interval, message
        self.epoch = 0
        self.first_epoch: int | None = None
        self.started = self.last_write = 0.0
        self.steps_done = 0

    def on_train_begin(self, logs=None):
        self.started = time.monotonic()
        self.steps_done = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.first_epoch is None:  # a resumed run starts past 0
            self.first_epoch = epoch
        progress = self.file.progress
        self.file.update(phase="training", message=self.message, epoch=epoch, epochs=self.epochs, step=0,
                         steps=self.params.get("steps"),
                         loss=[p for p in progress.loss if p[0] <= epoch],
                         val_loss=[p for p in progress.val_loss if p[0] <= epoch])

    def on_train_batch_end(self, batch, logs=None):
        self.steps_done += 1
        now = time.monotonic()
        if now - self.last_write < self.interval or not logs or "loss" not in logs:
            return
        self.last_write = now
        steps = self.params.get("steps")
        position = self.epoch + ((batch + 1) / steps if steps else 0.0)
        self.file.update(step=batch + 1, loss=_thinned([*self.file.progress.loss, (position, float(logs["loss"]))]),
                         seconds_left=self._seconds_left(batch + 1, steps, now))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        changes = {}
        if "loss" in logs:  # the epoch's mean loss replaces a last step's point at the same position
            kept = [p for p in self.file.progress.loss if p[0] < epoch + 1.0]
            changes["loss"] = _thinned([*kept, (epoch + 1.0, float(logs["loss"]))])
        if "val_loss" in logs:
            changes["val_loss"] = [*self.file.progress.val_loss, (epoch + 1.0, float(logs["val_loss"]))]
        remaining_epochs = self.epochs - epoch - 1
        per_epoch = (time.monotonic() - self.started) / (epoch + 1 - self.first_epoch)
        self.file.update(**changes, seconds_left=per_epoch * remaining_epochs)

    def _seconds_left(self, step: int, steps: int | None, now: float) -> float | None:
        """From this session's pace: the steps left in this epoch and the epochs after it."""
        if not steps:
            return None
        per_step = (now - self.started) / self.steps_done
        return per_step * ((steps - step) + (self.epochs - self.epoch - 1) * steps)


def _thinned(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return points if len(points) <= MAX_POINTS else points[::2] + ([points[-1]] if len(points) % 2 == 0 else [])
