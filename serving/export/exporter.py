"""Export a model's serving endpoints to the layout TensorFlow Serving loads as it is.

    base_path/
      1/ saved_model.pb  variables/  assets.extra/tf_serving_warmup_requests  assets.extra/export.json
      2/ ...

`export` writes the next integer version with `keras.export.ExportArchive` (one signature per
endpoint, each the endpoint's own `tf.function`, the first also as `serving_default`), adds
warmup records built from each endpoint's examples, verifies the result with the session-based
loader and `tf.saved_model.load`, each in a fresh process of its own, the two at once, and only
then renames it into place. Until that rename the version lives
in a hidden `.tmp-*` directory, which TF Serving ignores (it loads integer names only), so a
crash or a failed check never leaves a version a server could pick up.

    result = export(model, task.endpoints(model), "exports/conv_autoencoder")
    result.path           # exports/conv_autoencoder/1
    print("\\n".join(result.verification.lines()))

It knows nothing of the model inside: an endpoint is anything with a `name`, `examples`,
a `graph_function` (a `tf.function` with named `tf.TensorSpec`s) and a call for in-process
outputs that runs it.
"""
from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

import numpy as np
import tensorflow as tf

from serving.export.atomic import remove_abandoned, staged
from serving.export.verify import Tolerance, VerificationReport, verify_in_subprocess
from serving.saved_model import DEFAULT_SIGNATURE
from serving.warmup import write_warmup_records

METADATA_FILE = Path("assets.extra") / "export.json"
TEMP_PREFIX = ".tmp-"
SIGNATURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ServingEndpoint(Protocol):
    name: str
    examples: Mapping[str, np.ndarray]

    @property
    def graph_function(self) -> tf.types.experimental.PolymorphicFunction: ...

    def __call__(self, **inputs: Any) -> Mapping[str, np.ndarray]: ...


class ExportError(Exception):
    """The export could not be written or did not verify; nothing was put in place."""


@dataclasses.dataclass(frozen=True)
class ExportResult:
    path: Path
    version: int
    signatures: list[str]
    verification: VerificationReport | None
    seconds: float


def versions(base_path: str | Path) -> list[int]:
    """The integer version directories under `base_path`, ascending (what TF Serving sees)."""
    base = Path(base_path)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def next_version(base_path: str | Path) -> int:
    return max(versions(base_path), default=0) + 1


def export(
    model: tf.Module,
    endpoints: Sequence[ServingEndpoint],
    base_path: str | Path,
    *,
    model_name: str | None = None,
    tolerance: Tolerance = Tolerance(),
    verify: bool = True,
    metadata: Mapping[str, Any] | None = None,
) -> ExportResult:
    """Write `endpoints` over `model` as the next version under `base_path`; see the module doc.

    `model` is what owns the variables (a Keras model, or a layer/tf.Module holding them).
    Raises `ExportError`, leaving no version directory, if anything fails.
    """
    started = time.perf_counter()
    base = Path(base_path)
    model_name = model_name or base.name
    _check_endpoints(endpoints)
    if base.exists() and not base.is_dir():
        raise ExportError(f"export base path {base} exists and is not a directory")
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot create export base path {base}: {error}") from error
    remove_abandoned(base, TEMP_PREFIX)

    cases = {}
    for endpoint in endpoints:
        try:
            cases[endpoint.name] = (dict(endpoint.examples), dict(endpoint(**endpoint.examples)))
        except Exception as error:
            raise ExportError(f"endpoint '{endpoint.name}' failed on its own examples: {error}") from error
    first = endpoints[0].name
    cases[DEFAULT_SIGNATURE] = cases[first]

    version = next_version(base)
    final = base / str(version)
    try:
        with staged(final, replace=False, prefix=TEMP_PREFIX) as temp:
            _write_saved_model(model, endpoints, temp)
            write_warmup_records(temp, model_name, {name: inputs for name, (inputs, _) in cases.items()})
            (temp / METADATA_FILE).write_text(json.dumps(
                {"model_name": model_name, "default_signature": first, "signatures": sorted(cases),
                 **(metadata or {})}, indent=2, sort_keys=True, default=str))
            report = verify_in_subprocess(temp, cases, tolerance) if verify else None
            if report is not None and not report.ok:
                raise ExportError("the export does not match the in-process model:\n" + "\n".join(report.lines()))
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(f"export to {base} failed: {type(error).__name__}: {error}") from error
    if report is not None:
        report = dataclasses.replace(report, path=str(final))
    return ExportResult(final, version, sorted(cases), report, time.perf_counter() - started)


def _check_endpoints(endpoints: Sequence[ServingEndpoint]) -> None:
    if not endpoints:
        raise ExportError("nothing to export: no endpoints given")
    names = [endpoint.name for endpoint in endpoints]
    for name in names:
        if not SIGNATURE_NAME.match(name) or name == DEFAULT_SIGNATURE:
            raise ExportError(f"endpoint name {name!r} must be an identifier other than {DEFAULT_SIGNATURE!r}")
    if len(set(names)) != len(names):
        raise ExportError(f"endpoint names must be unique, got {names}")


def _write_saved_model(model: tf.Module, endpoints: Sequence[ServingEndpoint], path: Path) -> None:
    import keras

    archive = keras.export.ExportArchive()
    # Tracked for its lookup tables only. Tracking a Keras model itself would also save each of
    # its variables a second time beside the tf.Variable the endpoints capture (twice the bytes
    # to write, load and hold: 1.1 GB for a 135M-parameter model), so a plain module holds it.
    holder = tf.Module()
    holder.model = model
    archive.track(holder)
    for endpoint in endpoints:   # each already called on its examples, as Keras wants of a tf.function
        archive.add_endpoint(endpoint.name, endpoint.graph_function)
    archive.write_out(str(path), verbose=False)  # serving_default: the first endpoint's function again
    _strip_device_placement(path)


def _strip_device_placement(path: Path) -> None:
    """Clear every node's device so one SavedModel runs on CPU, GPU or TPU servers alike."""
    from tensorflow.core.protobuf import saved_model_pb2

    pb = path / "saved_model.pb"
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString(pb.read_bytes())
    for meta_graph in saved_model.meta_graphs:
        for node in meta_graph.graph_def.node:
            node.device = ""
        for function in meta_graph.graph_def.library.function:
            for node in function.node_def:
                node.device = ""
    pb.write_bytes(saved_model.SerializeToString())

