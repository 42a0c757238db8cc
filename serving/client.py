"""One small client for TF Serving's REST and gRPC APIs, against this server or the real one.

    client = connect("http://127.0.0.1:8501", "conv_autoencoder")     # REST
    client = connect("grpc://127.0.0.1:8500", "conv_autoencoder")     # gRPC ("host:8500" too)
    outputs = client.predict({"images": batch})                       # {"reconstruction": ndarray}
    client.classify([{"x": [1.0, 2.0]}], signature_name="classify")   # [[("a", 0.7), ("b", 0.3)]]
    client.regress([{"x": [1.0, 2.0]}], signature_name="regress")     # array([3.5])
    client.metadata()["metadata"]["signature_def"]["signature_def"]
    client.status()                     # [{"version": "1", "state": "AVAILABLE", "status": {...}}]

String outputs come back as numpy object arrays of `bytes`, as `SessionModel.run` returns them.
Failures raise `serving.protocol.errors.ServingError` subclasses carrying the server's message.
"""
from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import urllib.parse
from typing import Any, Mapping, Sequence

import numpy as np

from serving.protocol.errors import DeadlineExceeded, error_from_grpc, error_from_http

Examples = Sequence[Mapping[str, Any]]
ClassifyResult = list[list[tuple[str, float]]]
_NUMPY_DTYPES = {
    "DT_FLOAT": np.float32, "DT_DOUBLE": np.float64, "DT_INT32": np.int32, "DT_INT64": np.int64,
    "DT_INT16": np.int16, "DT_INT8": np.int8, "DT_UINT8": np.uint8, "DT_UINT16": np.uint16,
    "DT_UINT32": np.uint32, "DT_UINT64": np.uint64, "DT_BOOL": np.bool_, "DT_HALF": np.float16,
}


class Client:
    """The API both transports offer; get one with `connect`."""

    model_name: str

    def predict(self, inputs: Mapping[str, Any], signature_name: str | None = None,
                output_filter: list[str] | None = None) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def classify(self, examples: Examples, signature_name: str | None = None) -> ClassifyResult:
        raise NotImplementedError

    def regress(self, examples: Examples, signature_name: str | None = None) -> np.ndarray:
        raise NotImplementedError

    def metadata(self) -> dict:
        raise NotImplementedError

    def status(self) -> list[dict]:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""


def connect(target: str, model_name: str, *, version: int | None = None, label: str | None = None,
            timeout: float = 30) -> Client:
    """A client for `model_name`: "http://host:port" speaks REST, "grpc://host:port" or "host:port" gRPC."""
    if version is not None and label is not None:
        raise ValueError("give a version or a label, not both")
    if target.startswith(("http://", "https://")):
        return RestClient(target, model_name, version=version, label=label, timeout=timeout)
    return GrpcClient(target.removeprefix("grpc://"), model_name, version=version, label=label, timeout=timeout)


def _json_value(value: Any) -> Any:
    """A numpy/Python value as TF Serving JSON: bytes become {"b64": ...}."""
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        encode = np.vectorize(
            lambda item: {"b64": base64.b64encode(item).decode("ascii")} if isinstance(item, bytes) else str(item),
            otypes=[object])
        return encode(array).tolist() if array.size else array.tolist()
    return array.tolist()


def _json_array(value: Any, dtype_name: str) -> np.ndarray:
    if dtype_name == "DT_STRING":
        array = np.array(value, dtype=object)
        decode = np.vectorize(
            lambda item: base64.b64decode(item["b64"]) if isinstance(item, dict) else str(item).encode("utf-8"),
            otypes=[object])
        return decode(array) if array.size else array
    return np.asarray(value, dtype=_NUMPY_DTYPES.get(dtype_name))


def _feature_json(value: Any) -> Any:
    values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
    return [
        {"b64": base64.b64encode(item).decode("ascii")} if isinstance(item, bytes)
        else item.item() if isinstance(item, np.generic) else item
        for item in values
    ]


class RestClient(Client):
    """TF Serving's REST API over keep-alive HTTP connections (one per thread)."""

    def __init__(self, url: str, model_name: str, *, version: int | None = None, label: str | None = None,
                 timeout: float = 30):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 8501
        self.https = parsed.scheme == "https"
        self.model_name, self.timeout = model_name, timeout
        self.model_path = f"/v1/models/{urllib.parse.quote(model_name, safe='')}"
        if version is not None:
            self.model_path += f"/versions/{int(version)}"
        elif label is not None:
            self.model_path += f"/labels/{urllib.parse.quote(label, safe='')}"
        self._local = threading.local()
        self._signatures: dict[str, dict] = {}

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            factory = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = factory(self.host, self.port, timeout=self.timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection  # only once connected: a refused one is not reused
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        payload = None if body is None else json.dumps(body, allow_nan=True).encode("utf-8")
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except TimeoutError as error:
                self._drop_connection()
                raise DeadlineExceeded(f"no answer from {self.host}:{self.port} within {self.timeout} s") from error
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._drop_connection()  # a kept-alive connection the server closed: retry once on a new one
                if attempt:
                    raise
            except (http.client.HTTPException, OSError):
                self._drop_connection()  # never reuse a connection left mid-request
                raise
        try:
            document = json.loads(data) if data else {}
        except json.JSONDecodeError:
            document = {"error": data.decode("utf-8", "replace")}
        if response.status != 200:
            message = document.get("error", "") if isinstance(document, dict) else str(document)
            raise error_from_http(response.status, message)
        return document

    def predict(self, inputs: Mapping[str, Any], signature_name: str | None = None,
                output_filter: list[str] | None = None) -> dict[str, np.ndarray]:
        signature = self._signature(signature_name or "serving_default")
        body: dict[str, Any] = {"inputs": {name: _json_value(value) for name, value in inputs.items()}}
        if signature_name:
            body["signature_name"] = signature_name
        outputs = self._call("POST", f"{self.model_path}:predict", body)["outputs"]
        names = sorted(signature["outputs"])
        if len(names) == 1:
            outputs = {names[0]: outputs}
        wanted = output_filter or names
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise error_from_http(400, f"output filter {unknown} not in signature outputs {names}")
        return {name: _json_array(outputs[name], signature["outputs"][name].get("dtype", "")) for name in wanted}

    def _signature(self, name: str) -> dict:
        if name not in self._signatures:
            signatures = self.metadata()["metadata"]["signature_def"]["signature_def"]
            self._signatures.update(signatures)
            if name not in signatures:
                raise error_from_http(400, f'Serving signature name: "{name}" not found in signature def')
        return self._signatures[name]

    def _examples_body(self, examples: Examples, signature_name: str | None) -> dict:
        body: dict[str, Any] = {"examples": [
            {feature: _feature_json(value) for feature, value in example.items()} for example in examples]}
        if signature_name:
            body["signature_name"] = signature_name
        return body

    def classify(self, examples: Examples, signature_name: str | None = None) -> ClassifyResult:
        results = self._call("POST", f"{self.model_path}:classify", self._examples_body(examples, signature_name))
        return [[(label, float(score)) for label, score in classes] for classes in results["results"]]

    def regress(self, examples: Examples, signature_name: str | None = None) -> np.ndarray:
        results = self._call("POST", f"{self.model_path}:regress", self._examples_body(examples, signature_name))
        return np.asarray(results["results"], dtype=np.float32)

    def metadata(self) -> dict:
        return self._call("GET", f"{self.model_path}/metadata")

    def status(self) -> list[dict]:
        return self._call("GET", self.model_path)["model_version_status"]

    def close(self) -> None:
        self._drop_connection()


class GrpcClient(Client):
    """TF Serving's PredictionService and ModelService over one gRPC channel."""

    def __init__(self, address: str, model_name: str, *, version: int | None = None, label: str | None = None,
                 timeout: float = 30):
        import grpc
        from tensorflow_serving.apis import model_service_pb2_grpc, prediction_service_pb2_grpc

        self.model_name, self.version, self.label, self.timeout = model_name, version, label, timeout
        self._channel = grpc.insecure_channel(address, options=[
            ("grpc.max_receive_message_length", 2**31 - 1), ("grpc.max_send_message_length", 2**31 - 1)])
        self._predictions = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)

    def _spec(self, request: Any, signature_name: str | None = None) -> Any:
        spec = request.model_spec
        spec.name = self.model_name
        if self.version is not None:
            spec.version.value = self.version
        if self.label is not None:
            spec.version_label = self.label
        if signature_name:
            spec.signature_name = signature_name
        return request

    def _invoke(self, method: Any, request: Any) -> Any:
        import grpc

        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise error_from_grpc(error.code(), error.details() or "") from error

    def predict(self, inputs: Mapping[str, Any], signature_name: str | None = None,
                output_filter: list[str] | None = None) -> dict[str, np.ndarray]:
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2

        request = self._spec(predict_pb2.PredictRequest(), signature_name)
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
        request.output_filter.extend(output_filter or [])
        response = self._invoke(self._predictions.Predict, request)
        return {name: tf.make_ndarray(tensor) for name, tensor in sorted(response.outputs.items())}

    def classify(self, examples: Examples, signature_name: str | None = None) -> ClassifyResult:
        from tensorflow_serving.apis import classification_pb2

        request = self._spec(classification_pb2.ClassificationRequest(), signature_name)
        _add_examples(request, examples)
        response = self._invoke(self._predictions.Classify, request)
        return [[(c.label, c.score) for c in item.classes] for item in response.result.classifications]

    def regress(self, examples: Examples, signature_name: str | None = None) -> np.ndarray:
        from tensorflow_serving.apis import regression_pb2

        request = self._spec(regression_pb2.RegressionRequest(), signature_name)
        _add_examples(request, examples)
        response = self._invoke(self._predictions.Regress, request)
        return np.asarray([item.value for item in response.result.regressions], dtype=np.float32)

    def metadata(self) -> dict:
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_metadata_pb2

        request = self._spec(get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"]))
        response = self._invoke(self._predictions.GetModelMetadata, request)
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signature_map)
        options = dict(preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
        return {"model_spec": json_format.MessageToDict(response.model_spec, **options),
                "metadata": {"signature_def": json_format.MessageToDict(signature_map, **options)}}

    def status(self) -> list[dict]:
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_status_pb2

        response = self._invoke(self._models.GetModelStatus, self._spec(get_model_status_pb2.GetModelStatusRequest()))
        return json_format.MessageToDict(response, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)["model_version_status"]

    def close(self) -> None:
        self._channel.close()


def _add_examples(request: Any, examples: Examples) -> None:
    for values in examples:
        example = request.input.example_list.examples.add()
        for feature_name, value in values.items():
            _fill_feature(example.features.feature[feature_name], value)


def _fill_feature(feature: Any, value: Any) -> None:
    items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    items = [item.item() if isinstance(item, np.generic) else item for item in items]
    if all(isinstance(item, (bytes, str)) for item in items):
        feature.bytes_list.value.extend(item.encode("utf-8") if isinstance(item, str) else item for item in items)
    elif all(isinstance(item, (bool, int)) for item in items):
        feature.int64_list.value.extend(int(item) for item in items)
    else:
        feature.float_list.value.extend(float(item) for item in items)
