"""Bad requests get TF Serving's error and status code; the server and concurrent good requests carry on."""
from __future__ import annotations

import concurrent.futures
import socket
import urllib.parse

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from rest_helpers import rest
from serving import client as serving_client
from serving_fixtures import dense_outputs

FEATURES = np.array([[1, 2, 3, 4]], dtype=np.float32)
BAD_BODIES = [
    (b"", "JSON Parse error: The document is empty"),
    (b'{"instances": [[1, 2, 3,', "JSON Parse error"),
    (b"[1, 2]", "Is not object"),
    (b'{"signature_name": 5, "instances": [[1, 2, 3, 4]]}', "'signature_name' key must be a string value."),
    (b'{"instances": [[1, 2, 3, 4]], "inputs": [[1, 2, 3, 4]]}', "expecting only one of 'inputs' or 'instances'"),
    (b'{"nothing": 1}', "Missing 'inputs' or 'instances' key"),
    (b'{"instances": []}', "No values in 'instances' array"),
    (b'{"instances": 3}', "Excepting 'instances' to be an list/array"),
    (b'{"instances": [["a", 2, 3, 4]]}', 'JSON Value: "a" Type: String is not of expected type: float'),
    (b'{"instances": [[1, 2, 3, 4], [1, 2]]}', "Failed to process element: 1 of 'instances' list"),
    (b'{"inputs": {"a": [[1, 2, 3, 4]]}, "signature_name": "two_inputs"}', "Missing named input: b in 'inputs' object."),
    (b'{"instances": [[1, 2, 3]]}', ""),
    (b'{"instances": [[1, 2, 3, 4]], "signature_name": "nope"}', 'Serving signature name: "nope" not found'),
    (b'{"instances": [{"b64": "!!!"}], "signature_name": "text"}', "Unable to base64 decode"),
    # rapidjson refuses a number a double cannot hold (util/json_tensor.cc:482-488)
    (b'{"instances": [[1e400, 2, 3, 4]]}', "JSON Parse error: Number too big to be stored in double"),
    (b'{"instances": [[1' + b"0" * 400 + b', 2, 3, 4]]}', "JSON Parse error: Number too big to be stored in double"),
]


@pytest.mark.parametrize("body, message", BAD_BODIES, ids=[str(i) for i in range(len(BAD_BODIES))])
def test_bad_predict_bodies(server, body, message):
    code, answer = rest(f"{server.rest_url}/v1/models/dense:predict", "POST", raw=body)
    assert code == 400
    assert message in answer["error"]


def test_bad_paths(server):
    assert rest(f"{server.rest_url}/v1/models/dense:explode", "POST", raw=b"{}")[0] == 400
    assert rest(f"{server.rest_url}/v1/models/dense/versions/1/labels/x")[0] == 400
    code, answer = rest(f"{server.rest_url}/v1/models/examples:classify", "POST", {"examples": [{"x": [1.0, None]}]})
    assert code == 400 and "Feature: x has element with unexpected JSON type: Null" in answer["error"]
    code, answer = rest(f"{server.rest_url}/v1/models/examples:classify", "POST", {"instances": [1]})
    assert code == 400 and "key 'examples' is expected and was not found" in answer["error"]


def test_grpc_bad_requests(server):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(server.grpc_target))
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "dense"
    request.inputs["features"].CopyFrom(tf.make_tensor_proto(np.array([["a", "b", "c", "d"]])))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Predict(request, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "to be float but string is provided" in caught.value.details()
    request.inputs["features"].CopyFrom(tf.make_tensor_proto(FEATURES))
    request.model_spec.signature_name = "nope"
    with pytest.raises(grpc.RpcError) as caught:
        stub.Predict(request, timeout=30)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_oversized_body_is_refused(server):
    if server.external:
        pytest.skip("the body limit is this server's flag")
    host, port = urllib.parse.urlsplit(server.rest_url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/models/dense:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        reply = b""
        for _ in range(100):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413") and b"exceeds the limit" in reply


def test_client_disconnecting_mid_request_and_concurrent_good_requests(server):
    host, port = urllib.parse.urlsplit(server.rest_url).netloc.split(":")
    expected = dense_outputs(3, FEATURES)["scores"]

    def good(_: int) -> bool:
        outputs = serving_client.connect(server.rest_url, "dense").predict({"features": FEATURES})
        return np.allclose(outputs["scores"], expected, rtol=1e-6)

    def hang_up(_: int) -> None:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"POST /v1/models/dense:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"inst")

    def malformed(_: int) -> int:
        return rest(f"{server.rest_url}/v1/models/dense:predict", "POST", raw=b"{oops")[0]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        good_results = pool.map(good, range(40))
        hang_ups = pool.map(hang_up, range(10))
        errors = pool.map(malformed, range(20))
        assert all(good_results)
        assert list(errors) == [400] * 20
        list(hang_ups)
    assert good(0)
