"""Where the local server once differed from TF Serving: each test states the real server's
behaviour and where its sources (tensorflow/serving) say so. Runs against a real TF Serving
too (see conftest.py)."""
from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request

import grpc
import numpy as np
import pytest
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc
from tensorflow_serving.apis import prediction_service_pb2_grpc

from rest_helpers import float_predict_request, rest
from serving_fixtures import dense_outputs

FEATURES = np.array([[1, 2, 3, 4], [0.5, -1, 0, 2]], dtype=np.float32)


def raw_rest(url: str, method: str = "GET", data: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_status_lists_versions_newest_first_over_rest_and_grpc(server):
    """GetModelStatus walks a std::map ordered by std::greater (core/servable_state_monitor.h:68-69,
    model_servers/get_model_status_impl.cc:96-107)."""
    code, body = rest(f"{server.rest_url}/v1/models/dense_all")
    assert code == 200 and [entry["version"] for entry in body["model_version_status"]] == ["3", "2", "1"]
    stub = model_service_pb2_grpc.ModelServiceStub(grpc.insecure_channel(server.grpc_target))
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "dense_all"
    assert [entry.version for entry in stub.GetModelStatus(request, timeout=10).model_version_status] == [3, 2, 1]


def test_status_ignores_a_version_label(server):
    """GetModelStatusWithModelSpec looks at the version only (get_model_status_impl.cc:80-110): a
    label, even an unknown one, lists every version."""
    for label in ("stable", "nope"):
        code, body = rest(f"{server.rest_url}/v1/models/dense_specific/labels/{label}")
        assert code == 200 and [entry["version"] for entry in body["model_version_status"]] == ["3", "1"]


def test_grpc_outputs_are_in_the_typed_fields(server):
    """Predict answers with Tensor::AsProtoField unless --enable_serialization_as_tensor_content
    (servables/tensorflow/predict_util.cc:175-190, model_servers/server.h:109), so clients that
    read float_val see the values."""
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(server.grpc_target))
    response = stub.Predict(float_predict_request("dense", "features", FEATURES), timeout=30)
    scores = response.outputs["scores"]
    assert scores.dtype == types_pb2.DT_FLOAT and scores.tensor_content == b""
    assert [dim.size for dim in scores.tensor_shape.dim] == [2, 3]
    np.testing.assert_allclose(np.array(scores.float_val).reshape(2, 3), dense_outputs(3, FEATURES)["scores"],
                               rtol=1e-6)
    assert len(response.outputs["total"].float_val) == 2


def test_the_graph_judges_input_shapes(server):
    """Predict checks input names and parses the tensors; shapes are the session's business
    (servables/tensorflow/predict_util.cc:80-140): a mis-shaped input gets TensorFlow's own
    INVALID_ARGUMENT from running the graph, not a refusal before it."""
    code, body = rest(f"{server.rest_url}/v1/models/dense:predict", "POST", {"instances": [1.0, 2.0, 3.0]})
    assert code == 400 and "expects" not in body["error"]
    assert re.search(r"ndims|matrix|shape|rank|dimension", body["error"], re.IGNORECASE), body


def tf_serving_float_text(value: np.floating) -> str:
    """WriteDecimal (util/json_tensor.cc:124-169): %g, else max_digits10; '.0' for whole numbers."""
    text = "%g" % value
    if type(value)(text) != value:
        text = "%.9g" % value if isinstance(value, np.float32) else "%.17g" % value
    return text if "." in text or "e" in text else text + ".0"


def test_float32_outputs_are_written_as_tf_serving_writes_them(server):
    """A float32 output is written in its short form (0.2, not 0.20000000298023224), whole numbers
    with '.0' (util/json_tensor.cc:124-169)."""
    features = np.array([[0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4]], dtype=np.float32)
    code, _, body = raw_rest(f"{server.rest_url}/v1/models/dense:predict", "POST",
                             json.dumps({"inputs": features.tolist(), "signature_name": "single"}).encode())
    assert code == 200
    expected = dense_outputs(3, features)["scores"].astype(np.float32)
    numbers = re.findall(rb"-?[0-9][0-9.e+-]*", body)
    assert numbers[:3] == [b"3.0", b"3.0", b"3.0"]
    served = np.array([float(number) for number in numbers], dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(served, expected, rtol=1e-6)
    assert [number.decode() for number in numbers] == [tf_serving_float_text(value) for value in served.reshape(-1)]


def test_float32_inputs_round_and_overflow_to_infinity(server):
    """GetFloat casts any JSON number to float32: DBL_MAX becomes inf (json_tensor.cc:293-296 and
    json_tensor_test.cc:224-262, FloatTensorThatExceedsMaxReturnsInf); integers past 2^24 round."""
    code, body = rest(f"{server.rest_url}/v1/models/dense:predict", "POST",
                      raw=b'{"signature_name": "single", "instances": [[1.7976931348623157e308, 0, 0, 0], '
                          b'[16777217, 0, 0, 0]]}')
    assert code == 200
    scores = np.array(body["predictions"], dtype=np.float64)
    assert np.isnan(scores[0, 0]) and np.isposinf(scores[0, 1:]).all()  # inf * [0, 0.3, 0.6] + bias
    np.testing.assert_allclose(scores[1], dense_outputs(3, np.array([[16777216, 0, 0, 0]], np.float32))["scores"][0],
                               rtol=1e-6)


def test_numbers_past_double_range_are_a_parse_error(server):
    """rapidjson refuses them: kParseErrorNumberTooBig (util/json_tensor.cc:482-488)."""
    for number in (b"1e400", b"-1e400", b"1" + b"0" * 400):
        code, body = rest(f"{server.rest_url}/v1/models/dense:predict", "POST",
                          raw=b'{"instances": [[' + number + b", 0, 0, 0]]}")
        assert code == 400 and body["error"].startswith("JSON Parse error: Number too big to be stored in double")


def test_gzip_request_bodies_are_inflated(server):
    """evhttp_request.cc:175-260 inflates a body sent with Content-Encoding: gzip."""
    body = json.dumps({"instances": FEATURES.tolist()}).encode()
    code, _, answer = raw_rest(f"{server.rest_url}/v1/models/dense:predict", "POST", gzip.compress(body),
                               {"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert code == 200
    np.testing.assert_allclose([row["scores"] for row in json.loads(answer)["predictions"]],
                               dense_outputs(3, FEATURES)["scores"], rtol=1e-6)


def test_cors_preflight_needs_an_origin(server):
    """An OPTIONS request is a CORS preflight: OK with an http(s) Origin, FAILED_PRECONDITION (400)
    without one (model_servers/http_server.cc:167-178)."""
    url = f"{server.rest_url}/v1/models/dense:predict"
    assert raw_rest(url, "OPTIONS", headers={"Origin": "https://example.com"})[0] == 200
    code, _, body = raw_rest(url, "OPTIONS")
    assert code == 400 and json.loads(body) == {"error": "Origin header is missing in CORS preflight"}


def test_strings_keep_nul_characters(server):
    """rapidjson strings carry their length, so NULs are data (json_tensor.cc: GetStringLength)."""
    code, body = rest(f"{server.rest_url}/v1/models/dense:predict", "POST",
                      {"signature_name": "text", "instances": ["a\u0000", "\u0000"]})
    assert code == 200
    assert [row["length"] for row in body["predictions"]] == [2, 1]
    assert [row["echo"] for row in body["predictions"]] == ["a\u0000", "\u0000"]
