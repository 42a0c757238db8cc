"""Shared timing helper for the benchmarks.

    stats = time_calls(lambda: model(batch), repeats=50)
    stats.median_ms, stats.per_second(batch_size)
"""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Callable


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
