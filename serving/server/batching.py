"""Server-side batching: concurrent requests to one signature run as one batched session call.

Follows TF Serving's `BatchingSession` over a `SharedBatchScheduler`: `num_batch_threads`
threads serve every queue; a batch closes when it reaches `max_batch_size` or its oldest
request has waited `batch_timeout_micros`; at most `max_enqueued_batches` wait per queue;
a batch is padded (with copies of its first row) up to the next of `allowed_batch_sizes`.

    scheduler = BatchScheduler(BatchingOptions(max_batch_size=32, batch_timeout_micros=2000))
    outputs = scheduler.run(key, lambda batch: model.run("serving_default", batch), inputs)
    future = scheduler.submit(key, runner, inputs)     # the same without blocking the caller
    scheduler.stop()
"""
from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import math
import os
import threading
import time
from typing import Callable, Hashable, Mapping

import numpy as np

from serving.protocol.errors import InvalidArgument, ServingError, Unavailable

BatchRunner = Callable[[dict[str, np.ndarray]], Mapping[str, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """TF Serving's `BatchingParameters`, with its defaults for fields left unset."""

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = os.cpu_count() or 1
    allowed_batch_sizes: tuple[int, ...] = ()

    @classmethod
    def from_proto(cls, params) -> "BatchingOptions":
        """From a `BatchingParameters` message (see `serving.server.config_protos`)."""
        defaults = cls()
        options = cls(
            max_batch_size=params.max_batch_size.value if params.HasField("max_batch_size") else defaults.max_batch_size,
            batch_timeout_micros=params.batch_timeout_micros.value if params.HasField("batch_timeout_micros") else 0,
            max_enqueued_batches=params.max_enqueued_batches.value if params.HasField("max_enqueued_batches")
            else defaults.max_enqueued_batches,
            num_batch_threads=params.num_batch_threads.value if params.HasField("num_batch_threads")
            else defaults.num_batch_threads,
            allowed_batch_sizes=tuple(params.allowed_batch_sizes),
        )
        options.validate()
        return options

    def validate(self) -> None:
        sizes = self.allowed_batch_sizes
        if self.max_batch_size < 1 or self.num_batch_threads < 1 or self.max_enqueued_batches < 1:
            raise ValueError("max_batch_size, num_batch_threads and max_enqueued_batches must be >= 1")
        if sizes and any(b <= a for a, b in zip(sizes, sizes[1:])):
            raise ValueError("allowed_batch_sizes entries must be monotonically increasing")
        if sizes and sizes[-1] != self.max_batch_size:
            raise ValueError("final entry in allowed_batch_sizes must equal max_batch_size when enable_large_batch_splitting is False")

    def padded_size(self, size: int) -> int:
        for allowed in self.allowed_batch_sizes:
            if allowed >= size:
                return allowed
        return size


class _Task:
    """One caller's rows and the future its outputs (or error) are delivered to."""

    __slots__ = ("inputs", "size", "enqueued", "future")

    def __init__(self, inputs: Mapping[str, np.ndarray], size: int):
        self.inputs, self.size = inputs, size
        self.enqueued = time.monotonic()
        self.future: concurrent.futures.Future = concurrent.futures.Future()


class _Queue:
    def __init__(self, runner: BatchRunner, label: str):
        self.runner, self.label = runner, label
        self.tasks: collections.deque[_Task] = collections.deque()
        self.pending_rows = 0


class BatchScheduler:
    """Shared batch threads over per-key queues; `run` blocks until its rows come back."""

    def __init__(self, options: BatchingOptions, on_batch: Callable[[str, int, int], None] | None = None):
        options.validate()
        self.options = options
        self.on_batch = on_batch
        self._queues: dict[Hashable, _Queue] = {}
        self._lock = threading.Condition()
        self._stopped = False
        self._threads = [
            threading.Thread(target=self._work, name=f"batch-thread-{i}", daemon=True)
            for i in range(options.num_batch_threads)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, key: Hashable, runner: BatchRunner, inputs: Mapping[str, np.ndarray], label: str = "") -> dict[str, np.ndarray]:
        """Run `inputs` (each with the same 0th dimension) as part of a batch for `key`; blocks."""
        return self.submit(key, runner, inputs, label).result()

    def submit(self, key: Hashable, runner: BatchRunner, inputs: Mapping[str, np.ndarray],
               label: str = "") -> concurrent.futures.Future:
        """Queue `inputs` for a batch of `key`; the future resolves to this caller's output rows.

        Errors found before queueing (too many rows, a full queue, a stopped scheduler) raise here.
        """
        size = _task_size(inputs)
        if size > self.options.max_batch_size:
            raise InvalidArgument(f"Task size {size} is larger than maximum input batch size {self.options.max_batch_size}")
        task = _Task(inputs, size)
        with self._lock:
            if self._stopped:
                raise Unavailable("The batch scheduler has been stopped")
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = _Queue(runner, label)
            batches = math.ceil((queue.pending_rows + size) / self.options.max_batch_size)
            if batches > self.options.max_enqueued_batches:
                raise Unavailable("The batch scheduling queue to which this task was submitted is full")
            queue.tasks.append(task)
            queue.pending_rows += size
            if self._needs_wakeup(queue, size):
                self._lock.notify()
        return task.future

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def _needs_wakeup(self, queue: _Queue, size: int) -> bool:
        """Whether a batch thread must re-plan after `size` rows joined `queue`.

        A waiting batch thread already sleeps until the oldest task's timeout, so only a queue
        that was empty (a new, possibly earlier deadline) or one that just filled a batch
        changes its plan; waking it for every other task only costs GIL hand-offs.
        """
        full = self.options.max_batch_size
        return (queue.pending_rows == size or self.options.batch_timeout_micros == 0
                or queue.pending_rows // full != (queue.pending_rows - size) // full)

    def _work(self) -> None:
        while True:
            with self._lock:
                batch = self._next_batch()
                while batch is None:
                    if self._stopped:
                        return
                    self._lock.wait(timeout=self._seconds_until_ready())
                    batch = self._next_batch()
            self._process(*batch)

    def _seconds_until_ready(self) -> float | None:
        timeout = self.options.batch_timeout_micros / 1e6
        oldest = [queue.tasks[0].enqueued for queue in self._queues.values() if queue.tasks]
        if not oldest:
            return None
        return max(0.0, min(oldest) + timeout - time.monotonic())

    def _next_batch(self) -> tuple[_Queue, list[_Task]] | None:
        now = time.monotonic()
        timeout = self.options.batch_timeout_micros / 1e6
        ready = [
            (queue.tasks[0].enqueued, key) for key, queue in self._queues.items()
            if queue.tasks and (queue.pending_rows >= self.options.max_batch_size or now - queue.tasks[0].enqueued >= timeout)
        ]
        if not ready:
            return None
        key = min(ready)[1]
        queue = self._queues[key]
        taken, rows = [], 0
        while queue.tasks and rows + queue.tasks[0].size <= self.options.max_batch_size:
            task = queue.tasks.popleft()
            queue.pending_rows -= task.size
            if task.future.set_running_or_notify_cancel():  # a cancelled caller's rows are dropped
                taken.append(task)
                rows += task.size
        if not queue.tasks:
            del self._queues[key]
        if self._queues:
            self._lock.notify()  # another batch thread re-plans for the tasks left waiting
        return (queue, taken) if taken else None

    def _process(self, queue: _Queue, tasks: list[_Task]) -> None:
        rows = sum(task.size for task in tasks)
        padded = self.options.padded_size(rows)
        try:
            batch = {name: _stack([task.inputs[name] for task in tasks], padded) for name in tasks[0].inputs}
            outputs = queue.runner(batch)
            for name, value in outputs.items():
                if np.ndim(value) == 0 or np.shape(value)[0] != padded:
                    raise InvalidArgument(
                        f"Batched output tensor '{name}' has 0th dimension {np.shape(value)[0] if np.ndim(value) else 0}"
                        f" but the batch has {padded} rows; a batched model must keep the batch dimension")
            if self.on_batch is not None:
                self.on_batch(queue.label, padded, padded - rows)
        except ServingError as error:
            _fail(tasks, error)
            return
        except Exception as error:
            _fail(tasks, InvalidArgument(f"{type(error).__name__}: {error}"))
            return
        start = 0
        for task in tasks:
            task.future.set_result({name: value[start:start + task.size] for name, value in outputs.items()})
            start += task.size


def _fail(tasks: list[_Task], error: ServingError) -> None:
    for task in tasks:
        task.future.set_exception(error)


def _task_size(inputs: Mapping[str, np.ndarray]) -> int:
    sizes = set()
    for value in inputs.values():
        shape = np.shape(value)
        if not shape:
            raise InvalidArgument("Batching session Run() must have at least one dimension in each input tensor")
        sizes.add(shape[0])
    if len(sizes) != 1:
        raise InvalidArgument("Batching session Run() input tensors must have equal 0th-dimension size")
    return sizes.pop()


def _stack(parts: list[np.ndarray], rows: int) -> np.ndarray:
    """The tasks' rows in order, padded to `rows` with copies of the first row, in one copy."""
    first = parts[0]
    if len(parts) == 1 and first.shape[0] == rows:
        return first
    batch = np.empty((rows, *first.shape[1:]), dtype=first.dtype)
    start = 0
    for part in parts:
        batch[start:start + part.shape[0]] = part
        start += part.shape[0]
    batch[start:] = first[:1]
    return batch
