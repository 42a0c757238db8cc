"""The batch scheduler on its own: futures carry each caller's rows or the batch's error, to threads and to an event loop."""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from serving.protocol.errors import InvalidArgument, Unavailable
from serving.server.batching import BatchingOptions, BatchScheduler
from serving.server.rest_api import _outcome


class RecordingRunner:
    """Doubles its input and remembers the batch sizes it saw; blocks until released."""

    def __init__(self):
        self.sizes: list[int] = []
        self.release = threading.Event()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.release.wait(timeout=30)
        self.sizes.append(len(batch["x"]))
        return {"y": batch["x"] * 2}


def test_submitted_rows_come_back_to_their_callers_from_one_padded_batch():
    scheduler = BatchScheduler(BatchingOptions(max_batch_size=8, batch_timeout_micros=200_000,
                                               num_batch_threads=1, allowed_batch_sizes=(4, 8)))
    runner = RecordingRunner()
    try:
        parts = [np.full((size, 2), i, np.float32) for i, size in enumerate((1, 2, 2))]
        futures = [scheduler.submit("key", runner, {"x": part}) for part in parts]
        assert not any(future.done() for future in futures)
        runner.release.set()
        for part, future in zip(parts, futures):
            np.testing.assert_array_equal(future.result(timeout=30)["y"], part * 2)
        assert runner.sizes == [8]
    finally:
        scheduler.stop()


def test_a_failing_batch_fails_every_future_in_it():
    scheduler = BatchScheduler(BatchingOptions(max_batch_size=4, batch_timeout_micros=100_000, num_batch_threads=1))

    def broken(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        raise ValueError("no such kernel")

    try:
        futures = [scheduler.submit("key", broken, {"x": np.zeros((1, 2))}) for _ in range(3)]
        for future in futures:
            with pytest.raises(InvalidArgument, match="ValueError: no such kernel"):
                future.result(timeout=30)
    finally:
        scheduler.stop()


def test_refusals_raise_at_submit():
    scheduler = BatchScheduler(BatchingOptions(max_batch_size=2, batch_timeout_micros=10_000_000,
                                               max_enqueued_batches=1, num_batch_threads=1))
    runner = RecordingRunner()
    try:
        with pytest.raises(InvalidArgument, match="Task size 3 is larger than maximum input batch size 2"):
            scheduler.submit("key", runner, {"x": np.zeros((3, 1))})
        scheduler.submit("key", runner, {"x": np.zeros((1, 1))})
        with pytest.raises(Unavailable, match="queue to which this task was submitted is full"):
            scheduler.submit("key", runner, {"x": np.zeros((2, 1))})
    finally:
        runner.release.set()
        scheduler.stop()
    with pytest.raises(Unavailable, match="has been stopped"):
        scheduler.submit("key", runner, {"x": np.zeros((1, 1))})


def test_a_cancelled_caller_is_left_out_of_the_batch_and_the_others_still_get_their_rows():
    scheduler = BatchScheduler(BatchingOptions(max_batch_size=8, batch_timeout_micros=300_000, num_batch_threads=1))
    runner = RecordingRunner()
    runner.release.set()
    try:
        kept = scheduler.submit("key", runner, {"x": np.ones((1, 2))})
        dropped = scheduler.submit("key", runner, {"x": np.zeros((2, 2))})
        assert dropped.cancel()
        np.testing.assert_array_equal(kept.result(timeout=30)["y"], np.full((1, 2), 2.0))
        assert runner.sizes == [1]
    finally:
        scheduler.stop()


def test_the_event_loop_gets_rows_and_errors_and_a_cancelled_wait_leaves_the_batch():
    """How REST waits on the scheduler from its event loop (`rest_api._outcome`)."""
    scheduler = BatchScheduler(BatchingOptions(max_batch_size=8, batch_timeout_micros=300_000, num_batch_threads=1))
    runner = RecordingRunner()

    async def scenario() -> None:
        rows = asyncio.ensure_future(_outcome(scheduler.submit("key", runner, {"x": np.ones((1, 2))})))
        abandoned_future = scheduler.submit("key", runner, {"x": np.zeros((2, 2))})
        abandoned = asyncio.ensure_future(_outcome(abandoned_future))
        await asyncio.sleep(0)
        abandoned.cancel()
        await asyncio.sleep(0)
        assert abandoned_future.cancelled()
        runner.release.set()
        np.testing.assert_array_equal((await rows)["y"], np.full((1, 2), 2.0))
        assert runner.sizes == [1]
        with pytest.raises(InvalidArgument, match="has 0th dimension"):
            await _outcome(scheduler.submit("other", lambda batch: {"y": np.ones(3)}, {"x": np.ones((1, 2))}))

    try:
        asyncio.run(scenario())
    finally:
        scheduler.stop()
