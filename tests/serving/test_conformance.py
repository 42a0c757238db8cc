"""TF Serving conformance: every endpoint over REST and gRPC, answers checked against the models."""
from __future__ import annotations

import base64
import math
import urllib.request

import grpc
import numpy as np
import pytest
from google.protobuf import text_format
from tensorflow_serving.apis import (
    inference_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    prediction_service_pb2_grpc,
)
from tensorflow_serving.config import model_server_config_pb2

from rest_helpers import rest
from serving import client as serving_client
from serving.protocol.errors import FailedPrecondition, InvalidArgument, NotFound
from serving_fixtures import CLASS_LABELS, classifier_scores, dense_outputs, example_bytes, regression_values

FEATURES = np.array([[1, 2, 3, 4], [0.5, -1, 0, 2], [0, 0, 0, 0]], dtype=np.float32)
X = np.array([[1.0, 2.0], [-0.5, 0.25]], dtype=np.float32)
TOLERANCE = dict(rtol=1e-6, atol=1e-5)


def versions_of(status: list[dict], state: str = "AVAILABLE") -> list[int]:
    return sorted(int(entry["version"]) for entry in status if entry["state"] == state)


@pytest.mark.parametrize("model, expected", [
    ("dense", [3]), ("dense_latest2", [2, 3]), ("dense_all", [1, 2, 3]), ("dense_specific", [1, 3])])
def test_version_policies_and_non_integer_dirs(target, model, expected):
    status = serving_client.connect(target, model).status()
    assert versions_of(status) == expected
    assert all(entry["status"]["error_code"] == "OK" for entry in status)


def test_status_of_one_version_and_by_label(server):
    code, body = rest(f"{server.rest_url}/v1/models/dense_all/versions/2")
    assert code == 200 and [s["version"] for s in body["model_version_status"]] == ["2"]
    code, body = rest(f"{server.rest_url}/v1/models/dense_specific/labels/canary")
    assert code == 200 and body["model_version_status"][0]["version"] == "3"


def test_status_errors(server):
    assert rest(f"{server.rest_url}/v1/models/nope") == (404, {"error": "Could not find any versions of model nope"})
    assert rest(f"{server.rest_url}/v1/models/dense_all/versions/9") == (
        404, {"error": "Could not find version 9 of model dense_all"})


def test_predict_default_signature(target):
    outputs = serving_client.connect(target, "dense").predict({"features": FEATURES})
    expected = dense_outputs(3, FEATURES)
    assert sorted(outputs) == ["scores", "total"]
    for name in expected:
        np.testing.assert_allclose(outputs[name], expected[name], **TOLERANCE)


@pytest.mark.parametrize("model, version, label, answering", [
    ("dense_all", 1, None, 1), ("dense_all", 2, None, 2), ("dense_latest2", 2, None, 2),
    ("dense_specific", None, "stable", 1), ("dense_specific", None, "canary", 3)])
def test_predict_by_version_and_label(target, model, version, label, answering):
    outputs = serving_client.connect(target, model, version=version, label=label).predict(
        {"features": FEATURES}, signature_name="single")
    np.testing.assert_allclose(outputs["scores"], dense_outputs(answering, FEATURES)["scores"], **TOLERANCE)


def test_unknown_model_version_label_signature(target):
    with pytest.raises(NotFound, match=r"Servable not found for request: Latest\(nope\)"):
        serving_client.connect(target, "nope").predict({"features": FEATURES})
    with pytest.raises(NotFound, match=r"Servable not found for request: Specific\(dense_specific, 2\)"):
        serving_client.connect(target, "dense_specific", version=2).predict({"features": FEATURES})
    with pytest.raises(InvalidArgument, match="Unrecognized servable version label: nope"):
        serving_client.connect(target, "dense_specific", label="nope").predict({"features": FEATURES})
    with pytest.raises((InvalidArgument, FailedPrecondition), match="nope"):
        serving_client.connect(target, "dense").predict({"features": FEATURES}, signature_name="nope")


def test_predict_output_filter(target):
    outputs = serving_client.connect(target, "dense").predict({"features": FEATURES}, output_filter=["total"])
    assert list(outputs) == ["total"]
    np.testing.assert_allclose(outputs["total"], dense_outputs(3, FEATURES)["total"], **TOLERANCE)


def test_string_inputs_and_bytes_outputs(target):
    """Any bytes survive a `_bytes` output; other string outputs are JSON text, so UTF-8 only."""
    text = np.array([b"hello", "w\u00f6rld".encode(), b"\xff\x00raw"], dtype=object)
    outputs = serving_client.connect(target, "dense").predict({"text": text}, signature_name="text")
    assert outputs["echo"].dtype == object and list(outputs["echo"][:2]) == list(text[:2])
    assert list(outputs["upper_bytes"]) == [b"HELLO", "W\u00f6RLD".encode(), b"\xff\x00RAW"]
    assert outputs["length"].tolist() == [5, 6, 5]


def test_rest_row_format(server):
    url = f"{server.rest_url}/v1/models/dense:predict"
    code, body = rest(url, "POST", {"instances": FEATURES.tolist()})
    expected = dense_outputs(3, FEATURES)
    assert code == 200 and len(body["predictions"]) == len(FEATURES)
    for row, prediction in enumerate(body["predictions"]):
        assert sorted(prediction) == ["scores", "total"]
        np.testing.assert_allclose(prediction["scores"], expected["scores"][row], **TOLERANCE)
        assert math.isclose(prediction["total"], expected["total"][row], rel_tol=1e-6)
    code, body = rest(url, "POST", {"signature_name": "single", "instances": FEATURES.tolist()})
    np.testing.assert_allclose(body["predictions"], expected["scores"], **TOLERANCE)
    code, body = rest(url, "POST", {"signature_name": "two_inputs",
                                    "instances": [{"a": FEATURES[0].tolist(), "b": 2}, {"a": FEATURES[1].tolist(), "b": -1}]})
    assert code == 200
    np.testing.assert_allclose(body["predictions"], expected["scores"][:2] + np.array([[2], [-1]]), **TOLERANCE)


def test_rest_columnar_format_and_b64(server):
    url = f"{server.rest_url}/v1/models/dense:predict"
    code, body = rest(url, "POST", {"signature_name": "two_inputs", "inputs": {"a": FEATURES.tolist(), "b": [1, 2, 3]}})
    assert code == 200
    expected = dense_outputs(3, FEATURES)["scores"] + np.array([[1], [2], [3]])
    np.testing.assert_allclose(body["outputs"], expected, **TOLERANCE)
    code, body = rest(url, "POST", {"signature_name": "text", "inputs": [{"b64": base64.b64encode(b"a\x00b").decode()}, "cd"]})
    assert code == 200
    assert body["outputs"]["echo"] == ["a\x00b", "cd"]
    assert body["outputs"]["upper_bytes"] == [{"b64": base64.b64encode(b"A\x00B").decode()}, {"b64": "Q0Q="}]


def test_metadata(target):
    metadata = serving_client.connect(target, "dense").metadata()
    assert metadata["model_spec"]["name"] == "dense" and metadata["model_spec"]["version"] == "3"
    signatures = metadata["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", "single", "two_inputs", "text"} <= set(signatures)
    assert signatures["text"]["inputs"]["text"]["dtype"] == "DT_STRING"
    assert signatures["serving_default"]["method_name"] == "tensorflow/serving/predict"


def test_classify_and_regress(target):
    client = serving_client.connect(target, "examples")
    examples = [{"x": row.tolist()} for row in X]
    results = client.classify(examples)
    scores = classifier_scores(X)
    for row, classes in enumerate(results):
        assert [label for label, _ in classes] == [label.decode() for label in CLASS_LABELS]
        np.testing.assert_allclose([score for _, score in classes], scores[row], rtol=1e-5)
    np.testing.assert_allclose(client.regress(examples, signature_name="regress"), regression_values(X), rtol=1e-6)


def test_classify_and_regress_judge_the_signature_structure_not_its_method(target):
    """TF Serving checks a classify/regress signature's inputs and outputs; its method_name only with
    --enable_signature_method_name_check, off by default (servables/tensorflow/classifier.cc:176-200,
    regressor.cc:170-190, model_servers/server.h:102), so TF2 exports with predict signatures work."""
    client = serving_client.connect(target, "examples")
    examples = [{"x": row.tolist()} for row in X]
    np.testing.assert_allclose(client.regress(examples, signature_name="regress_tf2"), regression_values(X), rtol=1e-6)
    scores = classifier_scores(X)
    for row, classes in enumerate(client.classify(examples, signature_name="classify_tf2")):
        np.testing.assert_allclose([score for _, score in classes], scores[row], rtol=1e-5)
    with pytest.raises(InvalidArgument, match="^Expected one output Tensor.$"):
        client.regress(examples)  # the default signature classifies: two outputs
    with pytest.raises(InvalidArgument, match="^Expected one input Tensor.$"):
        serving_client.connect(target, "dense").regress(examples, signature_name="two_inputs")


def test_classify_and_regress_with_a_missing_signature_are_invalid_argument(target):
    """`No signature was found with the name`, INVALID_ARGUMENT, so HTTP 400, not 404
    (servables/tensorflow/classifier.cc:157-161, regressor.cc:152-156, model_servers/http_server.cc:56-57)."""
    client = serving_client.connect(target, "examples")
    for call in (client.classify, client.regress):
        with pytest.raises(InvalidArgument, match="^No signature was found with the name: nope$"):
            call([{"x": [1.0, 2.0]}], signature_name="nope")


def test_rest_classify_with_context(server):
    code, body = rest(f"{server.rest_url}/v1/models/examples:regress", "POST", {
        "signature_name": "regress", "context": {"x": [9.0, 9.0]}, "examples": [{"x": [1.0, 2.0]}, {}]})
    assert code == 200
    np.testing.assert_allclose(body["results"], regression_values(np.array([[1, 2], [9, 9]])), rtol=1e-6)


def test_grpc_multi_inference(server):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(server.grpc_target))
    request = inference_pb2.MultiInferenceRequest()
    for signature, method in (("classify", "tensorflow/serving/classify"), ("regress", "tensorflow/serving/regress")):
        task = request.tasks.add(method_name=method)
        task.model_spec.name, task.model_spec.signature_name = "examples", signature
    for row in X:
        request.input.example_list.examples.add().ParseFromString(example_bytes(row.tolist()))
    response = stub.MultiInference(request, timeout=30)
    classification, regression = response.results
    np.testing.assert_allclose([[c.score for c in item.classes] for item in classification.classification_result.classifications],
                               classifier_scores(X), rtol=1e-5)
    np.testing.assert_allclose([r.value for r in regression.regression_result.regressions], regression_values(X), rtol=1e-6)


def test_grpc_reload_config(server):
    config = text_format.Parse((server.fixtures / "models.config").read_text(), model_server_config_pb2.ModelServerConfig())
    extended = model_server_config_pb2.ModelServerConfig()
    extended.CopyFrom(config)
    dense = next(entry for entry in config.model_config_list.config if entry.name == "dense")
    extended.model_config_list.config.add(name="dense_reloaded", base_path=dense.base_path, model_platform="tensorflow")
    stub = model_service_pb2_grpc.ModelServiceStub(grpc.insecure_channel(server.grpc_target))
    try:
        response = stub.HandleReloadConfigRequest(model_management_pb2.ReloadConfigRequest(config=extended), timeout=60)
        assert response.status.error_code == 0
        assert versions_of(serving_client.connect(server.rest_url, "dense_reloaded").status()) == [3]
    finally:
        stub.HandleReloadConfigRequest(model_management_pb2.ReloadConfigRequest(config=config), timeout=60)
    with pytest.raises(NotFound):
        serving_client.connect(server.rest_url, "dense_reloaded").predict({"features": FEATURES})


def test_metrics(server):
    if not server.metrics_path:
        pytest.skip("no metrics path configured for this server")
    serving_client.connect(server.rest_url, "dense").predict({"features": FEATURES})
    with urllib.request.urlopen(server.rest_url + server.metrics_path, timeout=10) as response:
        code, text = response.status, response.read().decode()
    assert code == 200
    assert ':tensorflow:serving:request_count{model_name="dense",status="OK"}' in text
    assert ":tensorflow:serving:request_latency_bucket" in text
    if not server.external:
        assert f':tensorflow:serving:model_warmup_latency_count{{model_path="{server.fixtures}/dense/3",status="OK"}} ' in text
