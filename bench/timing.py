"""Shared timing helpers for the benchmarks.

    stats = time_calls(lambda: model(batch), repeats=50)
    stats.median_ms, stats.per_second(batch_size)

    timer = StepTimer()                      # last in the callback list
    model.fit(data, callbacks=[..., timer])
    timer.timing(skip=3).median_ms           # training step time, without fit's own set-up
"""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Callable

import keras


@dataclasses.dataclass(frozen=True)
class Timing:
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(self.seconds)

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[int(0.9 * (len(ordered) - 1))]

    def per_second(self, items_per_call: int) -> float:
        return items_per_call / statistics.median(self.seconds)


def time_calls(call: Callable[[], object], repeats: int = 30, warmup: int = 3) -> Timing:
    """Wall-clock time of `repeats` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return Timing(seconds)


class StepTimer(keras.callbacks.Callback):
    """Times training steps from one batch's end to the next, so `fit`'s per-call set-up is
    left out and the hooks of callbacks listed before it are counted in the step."""

    def __init__(self):
        super().__init__()
        self.ends: list[float] = []

    def on_train_begin(self, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())

    def timing(self, skip: int = 0) -> Timing:
        """Step times after the first `skip` steps (warm-up)."""
        ends = self.ends[skip:]
        return Timing([b - a for a, b in zip(ends, ends[1:])])
