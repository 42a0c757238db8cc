"""`python -m serving serve` started with TF Serving's own flags: each does what it does there.

One server, started with every flag under test, as TF Serving's test base starts its servers
(tensorflow_model_server_test_base.py passes --rest_api_timeout_in_ms, --grpc_socket_path and
--grpc_channel_arguments on every start). Only for our server: these flags are set at start-up.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import numpy as np
import pytest
from tensorflow_serving.apis import prediction_service_pb2_grpc, regression_pb2

from conftest import REPO, start_server, stop_server
from rest_helpers import float_predict_request
from serving.server import flags
from serving_fixtures import dense_outputs, example_bytes

FEATURES = np.array([[1, 2, 3, 4]], dtype=np.float32)
BATCH_WAIT_SECONDS = 2.0
REST_TIMEOUT_MS = 300

pytestmark = pytest.mark.skipif(bool(os.environ.get("ZOO_SERVING_REST_URL")),
                                reason="starts our server with flags; not for an external server")


@pytest.fixture(scope="module")
def flagged(fixtures_dir, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("flagged")
    socket_path = workdir / "grpc.sock"
    batching = workdir / "batching.config"
    batching.write_text(f"max_batch_size {{ value: 64 }}\nbatch_timeout_micros {{ value: {int(BATCH_WAIT_SECONDS * 1e6)} }}\n")
    process, rest_url, grpc_target, log = start_server(workdir, fixtures_dir / "models.config", [
        f"--grpc_socket_path={socket_path}", "--grpc_channel_arguments=grpc.max_connection_age_ms=60000,"
        "grpc.lb_policy_name=grpclb,grpc.so_reuseaddr=1", f"--rest_api_timeout_in_ms={REST_TIMEOUT_MS}",
        "--enable_batching", f"--batching_parameters_file={batching}", "--enable_signature_method_name_check",
        "--enable_serialization_as_tensor_content=true", "--rest_api_enable_cors_support",
        "--prefer_tflite_model=true", "--bogus_flag=1", "--grpc_max_threads=8",
        "--enable_model_warmup=false",  # warmup requests would each wait out the batch timeout
    ], "hot")
    yield {"rest": rest_url, "grpc": grpc_target, "socket": socket_path, "log": log}
    stop_server(process)


def test_every_tf_serving_flag_is_known_with_its_default():
    """48 flags in main.cc:87-312; defaults from model_servers/server.h:39-110."""
    assert len(flags.FLAGS) == 48 and len({flag.name for flag in flags.FLAGS}) == 48
    defaults = flags.build_parser().parse_args([])
    assert (defaults.port, defaults.rest_api_timeout_in_ms, defaults.max_num_load_retries,
            defaults.load_retry_interval_micros, defaults.enable_profiler, defaults.enable_model_warmup,
            defaults.enable_signature_method_name_check, defaults.saved_model_tags) == (
        8500, 30000, 5, 60_000_000, True, True, False, "serve")


def test_channel_arguments_parse_as_main_cc_does():
    """server.cc:101-112 and 398-409: comma-separated key=value, int32 values as ints."""
    assert flags.grpc_channel_arguments("grpc.max_connection_age_ms=2000,grpc.lb_policy_name=grpclb") == [
        ("grpc.max_connection_age_ms", 2000), ("grpc.lb_policy_name", "grpclb")]
    assert flags.grpc_channel_arguments("") == []


def test_unknown_and_ineffective_flags_are_logged_and_the_server_runs(flagged):
    """main.cc:333-335 prints 'unknown argument' and runs on."""
    text = Path(flagged["log"]).read_text()
    assert "unknown argument: --bogus_flag=1" in text
    assert "--prefer_tflite_model=True is accepted but has no effect here" in text
    assert "Running gRPC ModelServer at UNIX socket" in text


def test_grpc_on_a_unix_socket_with_tensor_content_outputs(flagged):
    """--grpc_socket_path adds a unix: listening port (server.cc:382-389);
    --enable_serialization_as_tensor_content writes outputs as tensor_content (predict_util.cc:175-190)."""
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(f"unix:{flagged['socket']}"))
    response = stub.Predict(float_predict_request("dense", "features", FEATURES), timeout=30)
    scores = response.outputs["scores"]
    assert scores.tensor_content and not scores.float_val
    np.testing.assert_allclose(np.frombuffer(scores.tensor_content, np.float32).reshape(1, 3),
                               dense_outputs(3, FEATURES)["scores"], rtol=1e-6)


def test_signature_method_name_check(flagged):
    """With --enable_signature_method_name_check a predict-method signature cannot regress
    (regressor.cc:173-178)."""
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(flagged["grpc"]))
    request = regression_pb2.RegressionRequest()
    request.model_spec.name, request.model_spec.signature_name = "examples", "regress_tf2"
    request.input.example_list.examples.add().ParseFromString(example_bytes([1.0, 2.0]))
    with pytest.raises(grpc.RpcError) as error:
        stub.Regress(request, timeout=30)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details() == ("Expected regression signature method_name to be tensorflow/serving/regress. "
                                     "Was: tensorflow/serving/predict")


def test_cors_headers_and_rest_timeout(flagged):
    """--rest_api_enable_cors_support adds three headers to every answer (http_rest_api_util.cc:40-44);
    a request past --rest_api_timeout_in_ms is DEADLINE_EXCEEDED, HTTP 504 (http_server.cc:58-59)."""
    with urllib.request.urlopen(f"{flagged['rest']}/v1/models/dense", timeout=10) as response:
        headers = dict(response.headers.items())
    assert (headers["Access-Control-Allow-Origin"], headers["Access-Control-Allow-Methods"],
            headers["Access-Control-Allow-Headers"]) == ("*", "POST, GET", "Content-Type")
    body = json.dumps({"instances": FEATURES.tolist()}).encode()
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as error:  # the batch waits longer than the timeout
        urllib.request.urlopen(urllib.request.Request(f"{flagged['rest']}/v1/models/dense:predict", data=body),
                               timeout=10)
    elapsed = time.monotonic() - started
    assert error.value.code == 504 and json.loads(error.value.read()) == {"error": "Deadline Exceeded"}
    assert REST_TIMEOUT_MS / 1000 <= elapsed < BATCH_WAIT_SECONDS


def test_the_parity_table_lists_every_flag_with_its_type():
    """docs/serving.md's flag table stays complete: one row per flag, with the type flags.py uses."""
    table = (Path(__file__).resolve().parents[2] / "docs" / "serving.md").read_text()
    for flag in flags.FLAGS + flags.LOCAL_FLAGS:
        assert re.search(rf"^\| `--{flag.name}` \| {flag.kind} \|", table, re.MULTILINE), flag.name


def test_a_model_that_fails_to_load_stops_the_start(tmp_path):
    """ServerCore waits for the configured models; one that ends without loading fails the start
    (model_servers/server_core.cc:328-365, main.cc:341-346): the server exits instead of serving."""
    (tmp_path / "broken" / "1").mkdir(parents=True)
    (tmp_path / "broken" / "1" / "saved_model.pb").write_bytes(b"not a protobuf")
    result = subprocess.run(
        [sys.executable, "-m", "serving", "serve", "--port=0", f"--grpc_socket_path={tmp_path / 'g.sock'}",
         "--model_name=broken", f"--model_base_path={tmp_path / 'broken'}", "--max_num_load_retries=1",
         "--load_retry_interval_micros=1000"],
        cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert ("Failed to start server. Error: 1 model(s) did not become available: {{name: broken version: 1} due to "
            "error: ") in result.stderr
    assert result.stderr.count("Retrying load") == 1
