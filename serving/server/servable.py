"""One loaded model version: its session, signature defs, in-flight count and optional batching.

A version is looked up, used and released by each request; unloading removes it from the
lookup table first and closes its session only once the last in-flight request has released it,
so swapping versions never fails a request.

    version = LoadedVersion.load("mnist", 3, Path("models/mnist/3"), scheduler=None)
    with version.in_use():
        outputs = version.run("serving_default", {"images": batch})
        future = version.submit("serving_default", {"images": batch})   # without blocking
    version.retire()             # waits for in-flight requests, then closes the session
"""
from __future__ import annotations

import concurrent.futures
import threading
from pathlib import Path
from typing import Mapping

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2

from serving.saved_model import SessionModel, Signature, as_input_array, read_meta_graph
from serving.server.batching import BatchScheduler

SESSION_THREADS = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="session-run")
"""Where unbatched requests from the event loop run their (blocking) session calls."""


class LoadedVersion:
    """A `SessionModel` being served as version `version` of model `name`."""

    def __init__(self, name: str, version: int, path: Path, model: SessionModel,
                 meta_graph: meta_graph_pb2.MetaGraphDef, scheduler: BatchScheduler | None):
        self.name, self.version, self.path = name, version, path
        self.model = model
        self.signature_defs = dict(meta_graph.signature_def)
        self.scheduler = scheduler
        self._in_flight = 0
        self._idle = threading.Condition(threading.Lock())

    @classmethod
    def load(cls, name: str, version: int, path: Path, scheduler: BatchScheduler | None,
             session_config: tf.compat.v1.ConfigProto | None = None) -> "LoadedVersion":
        meta_graph = read_meta_graph(path)
        return cls(name, version, path, SessionModel.load(path, session_config), meta_graph, scheduler)

    def signature(self, signature_name: str | None) -> Signature:
        return self.model.signature(signature_name)

    def in_use(self) -> "InUse":
        """Count one request in flight from now until the `with` block it opens ends."""
        with self._idle:
            self._in_flight += 1
        return InUse(self)

    def _release(self) -> None:
        with self._idle:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.notify_all()

    def run(self, signature_name: str | None, inputs: Mapping[str, object],
            output_filter: list[str] | None = None) -> dict[str, np.ndarray]:
        """Run a signature, through the batch scheduler when batching is on; blocks."""
        if self.scheduler is None:
            return self.model.run(signature_name, inputs, output_filter)
        return self.submit(signature_name, inputs, output_filter).result()

    def submit(self, signature_name: str | None, inputs: Mapping[str, object],
               output_filter: list[str] | None = None) -> concurrent.futures.Future:
        """Start running a signature: queued for a batch, or on a session thread without batching."""
        if self.scheduler is None:
            return SESSION_THREADS.submit(self.model.run, signature_name, inputs, output_filter)
        signature = self.signature(signature_name)
        if set(inputs) != set(signature.inputs) or set(output_filter or ()) - set(signature.outputs):
            self.model.run(signature_name, inputs, output_filter)  # raises its precise error
        arrays = {name: as_input_array(inputs[name], name, info) for name, info in signature.inputs.items()}
        wanted = tuple(output_filter or signature.outputs)
        key = (id(self), signature.name, wanted,
               tuple((name, array.dtype.str, array.shape[1:]) for name, array in sorted(arrays.items())))
        return self.scheduler.submit(
            key, lambda batch: self.model.run(signature.name, batch, list(wanted)), arrays, label=self.name)

    def retire(self) -> None:
        """Wait until no request uses this version, then close its session."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0)
        self.model.close()


class InUse:
    """`with version.in_use() as version:` holds the version for the block (a class, not a
    generator: it runs once per request)."""

    __slots__ = ("version",)

    def __init__(self, version: LoadedVersion):
        self.version = version

    def __enter__(self) -> LoadedVersion:
        return self.version

    def __exit__(self, *exc_info: object) -> None:
        self.version._release()
