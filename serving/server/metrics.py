"""Prometheus metrics in the text exposition format, named as TF Serving names them.

TF Serving exports its monitoring counters with `:` separators (`:tensorflow:serving:
request_count`); the same names are used here so dashboards work against either server.

    REGISTRY.request_count.inc(model_name="mnist", status="OK")
    REGISTRY.request_latency.observe(1250.0, model_name="mnist", API="predict", entrypoint="REST")
    text = REGISTRY.render()
"""
from __future__ import annotations

import bisect
import threading
from typing import Sequence

LATENCY_BUCKETS_US = tuple(float(10 * 1.8**i) for i in range(33))
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def _labels(names: Sequence[str], values: tuple[str, ...], extra: str = "") -> str:
    parts = [f'{name}="{_escape(value)}"' for name, value in zip(names, values)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


class Counter:
    """A monotonically increasing count per label combination."""

    def __init__(self, name: str, help_text: str, label_names: Sequence[str]):
        self.name, self.help_text, self.label_names = name, help_text, tuple(label_names)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(str(labels[name]) for name in self.label_names)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(str(labels[name]) for name in self.label_names), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} counter"]
        with self._lock:
            for key, value in sorted(self._values.items()):
                lines.append(f"{self.name}{_labels(self.label_names, key)} {_number(value)}")
        return lines


class Histogram:
    """Cumulative bucket counts, sum and count per label combination."""

    def __init__(self, name: str, help_text: str, label_names: Sequence[str], buckets: Sequence[float]):
        self.name, self.help_text, self.label_names = name, help_text, tuple(label_names)
        self.buckets = tuple(float(b) for b in buckets)
        self._series: dict[tuple[str, ...], list[float]] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(str(labels[name]) for name in self.label_names)
        with self._lock:
            series = self._series.setdefault(key, [0.0] * (len(self.buckets) + 3))
            series[bisect.bisect_left(self.buckets, value)] += 1
            series[-2] += value
            series[-1] += 1

    def count(self, **labels: str) -> int:
        series = self._series.get(tuple(str(labels[name]) for name in self.label_names))
        return int(series[-1]) if series else 0

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for key, series in sorted(self._series.items()):
                cumulative = 0.0
                for bound, hits in zip((*self.buckets, float("inf")), series):
                    cumulative += hits
                    le = "+Inf" if bound == float("inf") else _number(bound)
                    bucket_labels = _labels(self.label_names, key, 'le="' + le + '"')
                    lines.append(f"{self.name}_bucket{bucket_labels} {_number(cumulative)}")
                lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(series[-2])}")
                lines.append(f"{self.name}_count{_labels(self.label_names, key)} {_number(series[-1])}")
        return lines


class ServingMetrics:
    """The metrics this server exports."""

    def __init__(self) -> None:
        self.request_count = Counter(
            ":tensorflow:serving:request_count", "The total number of requests.", ("model_name", "status"))
        self.request_latency = Histogram(
            ":tensorflow:serving:request_latency", "Distribution of wall time (in microseconds) for requests.",
            ("model_name", "API", "entrypoint"), LATENCY_BUCKETS_US)
        self.batch_size = Histogram(
            ":tensorflow:serving:batching_session:processed_batch_size",
            "Distribution of batch sizes processed, after padding.", ("model_name",), BATCH_SIZE_BUCKETS)
        self.padding_size = Histogram(
            ":tensorflow:serving:batching_session:padding_size",
            "Distribution of padded rows per processed batch.", ("model_name",), (0, *BATCH_SIZE_BUCKETS))
        self.warmup_latency = Histogram(
            ":tensorflow:serving:model_warmup_latency",
            "Distribution of wall time (in microseconds) for warming up a model version.",
            ("model_path", "status"), LATENCY_BUCKETS_US)
        self.load_attempts = Counter(
            ":tensorflow:serving:load_attempt_count", "The number of times a version load was attempted.",
            ("model_name", "version", "status"))

    def render(self) -> str:
        lines = []
        for metric in (self.request_count, self.request_latency, self.batch_size, self.padding_size,
                       self.warmup_latency, self.load_attempts):
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


REGISTRY = ServingMetrics()
