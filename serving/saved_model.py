"""Load a SavedModel the way TensorFlow Serving's C++ core does, and run its signatures.

TF Serving loads a version with the session-based loader (`LoadSavedModel`, tag `serve`) and
runs a request by feeding and fetching the tensor names that the signature lists. Keras 3
models saved as a plain `tf.Module` load with `tf.saved_model.load` but fail in that loader, so
this is the check that matters: a model that runs here runs in TF Serving.

    model = SessionModel.load("exports/conv_autoencoder/1")
    model.signatures["serving_default"].inputs        # {'images': TensorInfo(...)}
    outputs = model.run("serving_default", {"images": batch})
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
import threading
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import function_pb2
from tensorflow.core.protobuf import config_pb2, meta_graph_pb2, saved_model_pb2

from serving.protocol.errors import FailedPrecondition, InvalidArgument, NotFound

SERVE_TAG = "serve"
DEFAULT_SIGNATURE = "serving_default"
CUSTOM_OP_PACKAGES = ("tensorflow_text",)


def load_custom_op_libraries() -> list[str]:
    """Import the installed packages that register custom ops (TF Text), as TF Serving links them.

    Returns the names of the packages that were found and imported.
    """
    loaded = []
    for package in CUSTOM_OP_PACKAGES:
        if importlib.util.find_spec(package) is not None:
            __import__(package)
            loaded.append(package)
    return loaded


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """One input or output of a signature: graph tensor name, dtype and shape (None = unknown)."""

    tensor_name: str
    dtype: tf.DType
    shape: tuple[int | None, ...] | None

    @classmethod
    def from_proto(cls, proto: meta_graph_pb2.TensorInfo) -> "TensorInfo":
        shape = None
        if not proto.tensor_shape.unknown_rank:
            shape = tuple(d.size if d.size >= 0 else None for d in proto.tensor_shape.dim)
        return cls(proto.name, tf.as_dtype(proto.dtype), shape)

    @functools.cached_property
    def numpy_dtype(self) -> type:
        """The numpy type of `dtype` (`object` for strings), looked up once: TF's is slow per request."""
        return self.dtype.as_numpy_dtype

    def describe(self) -> str:
        shape = "unknown rank" if self.shape is None else str(tuple(-1 if d is None else d for d in self.shape))
        return f"{self.dtype.name} of shape {shape}"


@dataclasses.dataclass(frozen=True)
class Signature:
    """A SignatureDef: its method (predict/classify/regress) and named inputs and outputs."""

    name: str
    method_name: str
    inputs: dict[str, TensorInfo]
    outputs: dict[str, TensorInfo]

    @classmethod
    def from_proto(cls, name: str, proto: meta_graph_pb2.SignatureDef) -> "Signature":
        return cls(
            name,
            proto.method_name,
            {k: TensorInfo.from_proto(v) for k, v in sorted(proto.inputs.items())},
            {k: TensorInfo.from_proto(v) for k, v in sorted(proto.outputs.items())},
        )


def read_meta_graph(path: str | Path) -> meta_graph_pb2.MetaGraphDef:
    """The `serve` MetaGraphDef of a SavedModel directory, read without loading anything."""
    pb = Path(path) / "saved_model.pb"
    if not pb.is_file():
        raise NotFound(f"no SavedModel at {path}: expected {pb}")
    saved_model = saved_model_pb2.SavedModel()
    try:
        saved_model.ParseFromString(pb.read_bytes())
    except Exception as error:
        raise FailedPrecondition(f"{pb} is not a valid SavedModel protobuf: {error}") from error
    for meta_graph in saved_model.meta_graphs:
        if SERVE_TAG in meta_graph.meta_info_def.tags:
            return meta_graph
    raise FailedPrecondition(f"{path} has no MetaGraph tagged '{SERVE_TAG}'")


def signatures(meta_graph: meta_graph_pb2.MetaGraphDef) -> dict[str, Signature]:
    """The servable signatures of a MetaGraph (not the `__saved_model_init_op` entry)."""
    return {
        name: Signature.from_proto(name, sig)
        for name, sig in sorted(meta_graph.signature_def.items())
        if not name.startswith("__saved_model")
    }


def same_graph(meta_graph: meta_graph_pb2.MetaGraphDef, signature: str, other: str) -> bool:
    """Whether signature `signature` of a SavedModel's MetaGraph computes exactly what `other`
    does: the same inputs and outputs (names, dtypes, shapes), each output taken from the same
    position of one call, with the same settings, of a saved function identical to `other`'s but
    for its name and the names tracing gave its arguments, fed the same inputs in the same order."""
    if signature not in meta_graph.signature_def or other not in meta_graph.signature_def:
        return False
    nodes = {node.name: node for node in meta_graph.graph_def.node}
    library = {function.signature.name: function for function in meta_graph.graph_def.library.function}

    def wiring(name: str):
        proto = meta_graph.signature_def[name]
        inputs = {info.name.split(":")[0]: key for key, info in proto.inputs.items()}
        calls = {info.name.rsplit(":", 1)[0] for info in proto.outputs.values()}
        if len(calls) != 1 or next(iter(calls)) not in nodes or "f" not in nodes[next(iter(calls))].attr:
            return None
        call = nodes[next(iter(calls))]
        function = library.get(call.attr["f"].func.name)
        if function is None:
            return None
        body = function_pb2.FunctionDef()
        body.CopyFrom(function)
        body.signature.name = ""
        for arg in body.arg_attr.values():   # tracing's names for captured values, not behaviour
            arg.attr.pop("_user_specified_name", None)
        settings = {key: value.SerializeToString(deterministic=True) for key, value in call.attr.items() if key != "f"}
        fed = [("input", inputs[name]) if name in inputs else ("node", name) for name in call.input]
        tensors = {key: (info.dtype, info.tensor_shape.SerializeToString(deterministic=True), info.name.rsplit(":", 1)[1])
                   for direction in (proto.inputs, proto.outputs) for key, info in direction.items()}
        return proto.method_name, sorted(proto.inputs), sorted(proto.outputs), tensors, call.op, settings, fed, body

    mine, theirs = wiring(signature), wiring(other)
    return mine is not None and mine == theirs


def twin_signatures(meta_graph: meta_graph_pb2.MetaGraphDef) -> dict[str, str]:
    """{signature: the signature it is a twin of} for each signature that is `same_graph` as
    another, named ones taken as the originals (Keras saves `serving_default` as a twin of the
    first endpoint)."""
    names = sorted(signatures(meta_graph), key=lambda name: (name == DEFAULT_SIGNATURE, name))
    twins: dict[str, str] = {}
    for index, name in enumerate(names):
        original = next((other for other in names[:index] if other not in twins
                         and same_graph(meta_graph, name, other)), None)
        if original is not None:
            twins[name] = original
    return twins


def as_input_array(value: object, name: str, info: TensorInfo) -> np.ndarray:
    """Convert a client's value to the dtype a signature input expects; an array already of that
    dtype (text as bytes) is returned as it is, so a request decoded by the protocol layer, or
    gathered into a batch, is not converted a second time.

    The shape is not checked: TF Serving feeds the tensor as given and lets the graph judge it
    (servables/tensorflow/predict_util.cc only matches input names and parses the tensors), so
    a `[-1, 1]` input fed `[2.0, 3.0, 4.0]` runs there, as its own testPredictREST expects.
    """
    try:
        if info.numpy_dtype is object:
            array = np.asarray(value, dtype=object)
            if array.size and not all(type(item) is bytes for item in array.flat):
                array = np.vectorize(_as_bytes, otypes=[object])(array)
        else:
            array = np.asarray(value, dtype=info.numpy_dtype)
    except (TypeError, ValueError, OverflowError) as error:
        raise InvalidArgument(f"input '{name}' expects {info.describe()}: {error}") from error
    return array


def _as_bytes(item: object) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    raise TypeError(f"expected text or bytes, got {type(item).__name__}")


class SessionModel:
    """A SavedModel loaded into a TF1 session, run by signature name like TF Serving does."""

    def __init__(self, path: Path, session: tf.compat.v1.Session, meta_graph: meta_graph_pb2.MetaGraphDef):
        self.path = path
        self.session = session
        self.signatures = signatures(meta_graph)
        self.twins = twin_signatures(meta_graph)
        """A twin signature runs its original's session callable: one graph optimization (tens of
        seconds for a language model's generation loop) serves both."""
        self._closed = threading.Event()
        self._callables: dict[tuple[str, tuple[str, ...]], Callable[..., list[np.ndarray]]] = {}
        self._callables_lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path, session_config: tf.compat.v1.ConfigProto | None = None) -> "SessionModel":
        """Load `path` with the session-based loader; raises FailedPrecondition if it cannot.

        `session_config` sets the session's thread pools, as TF Serving's `--tensorflow_*_parallelism` flags do.
        """
        path = Path(path)
        read_meta_graph(path)
        load_custom_op_libraries()
        graph = tf.Graph()
        session = tf.compat.v1.Session(graph=graph, config=session_config)
        try:
            with graph.as_default():
                meta_graph = tf.compat.v1.saved_model.loader.load(session, [SERVE_TAG], str(path))
        except Exception as error:
            session.close()
            raise FailedPrecondition(f"the session-based loader could not load {path}: {error}") from error
        return cls(path, session, meta_graph)

    def signature(self, name: str | None) -> Signature:
        name = name or DEFAULT_SIGNATURE
        if name not in self.signatures:
            raise NotFound(
                f"Serving signature name: \"{name}\" not found in signature def "
                f"(available: {', '.join(self.signatures)})"
            )
        return self.signatures[name]

    def run(
        self,
        signature_name: str | None,
        inputs: Mapping[str, object],
        output_filter: list[str] | None = None,
    ) -> dict[str, np.ndarray]:
        """Feed `inputs` by name to a signature and fetch its outputs (all, or `output_filter`)."""
        signature = self.signature(signature_name)
        missing = sorted(set(signature.inputs) - set(inputs))
        extra = sorted(set(inputs) - set(signature.inputs))
        if missing or extra:
            expected = ", ".join(f"{k}: {v.describe()}" for k, v in signature.inputs.items())
            problem = "; ".join(
                part for part in (
                    f"missing input(s) {missing}" if missing else "",
                    f"unexpected input(s) {extra}" if extra else "",
                ) if part
            )
            raise InvalidArgument(f"{problem} for signature '{signature.name}'; expected {{{expected}}}")
        wanted = output_filter or list(signature.outputs)
        unknown = sorted(set(wanted) - set(signature.outputs))
        if unknown:
            raise InvalidArgument(
                f"output filter {unknown} not in signature '{signature.name}' outputs {list(signature.outputs)}"
            )
        arrays = [as_input_array(inputs[name], name, info) for name, info in signature.inputs.items()]
        if self._closed.is_set():
            raise FailedPrecondition(f"model at {self.path} has been unloaded")
        try:
            results = self._callable(signature, tuple(wanted))(*arrays)
        except tf.errors.InvalidArgumentError as error:
            raise InvalidArgument(error.message) from error
        return dict(zip(wanted, results))

    def _callable(self, signature: Signature, wanted: tuple[str, ...]) -> Callable[..., list[np.ndarray]]:
        """A session callable feeding the signature's inputs (in order) and fetching `wanted`.

        Unlike `Session.run`, it does not check fed shapes against the placeholders in Python,
        which is what TF Serving's C++ `Session::Run` does not do either.
        """
        signature = self.signatures[self.twins.get(signature.name, signature.name)]   # same inputs and outputs
        key = (signature.name, wanted)
        with self._callables_lock:
            run = self._callables.get(key)
            if run is None:
                options = config_pb2.CallableOptions(
                    feed=[info.tensor_name for info in signature.inputs.values()],
                    fetch=[signature.outputs[name].tensor_name for name in wanted])
                run = self._callables[key] = self.session._make_callable_from_options(options)
            return run

    def close(self) -> None:
        self._closed.set()
        self.session.close()
