"""Server-side batching: concurrent single-row requests run as padded batches, answers unchanged."""
from __future__ import annotations

import concurrent.futures
import os
import re
import urllib.request

import numpy as np
import pytest

from conftest import METRICS_PATH, start_server, stop_server
from serving import client as serving_client
from serving.protocol.errors import InvalidArgument
from serving_fixtures import dense_outputs

BATCHING = """
max_batch_size { value: 8 }
batch_timeout_micros { value: 20000 }
max_enqueued_batches { value: 100 }
num_batch_threads { value: 1 }
allowed_batch_sizes: 4
allowed_batch_sizes: 8
"""


@pytest.fixture(scope="module")
def batching_server(fixtures_dir, tmp_path_factory):
    if os.environ.get("ZOO_SERVING_REST_URL"):
        pytest.skip("batching is checked against the local server with its own batching parameters")
    workdir = tmp_path_factory.mktemp("batching")
    config = workdir / "batching.config"
    config.write_text(BATCHING)
    models = workdir / "models.config"
    models.write_text(f'model_config_list {{ config {{ name: "dense" base_path: "{fixtures_dir}/dense" '
                      f'model_platform: "tensorflow" }} }}\n')
    process, rest_url, grpc_target, log = start_server(
        workdir, models, ["--enable_batching", f"--batching_parameters_file={config}",
                          "--tensorflow_intra_op_parallelism=1", "--tensorflow_inter_op_parallelism=2"], "dense")
    yield rest_url, grpc_target, log
    stop_server(process)


def batch_metrics(rest_url: str) -> tuple[float, float]:
    with urllib.request.urlopen(rest_url + METRICS_PATH, timeout=10) as response:
        text = response.read().decode()
    name = ":tensorflow:serving:batching_session:processed_batch_size"
    count = re.search(rf'^{re.escape(name)}_count{{model_name="dense"}} (\S+)$', text, re.M)
    total = re.search(rf'^{re.escape(name)}_sum{{model_name="dense"}} (\S+)$', text, re.M)
    return (float(count[1]), float(total[1])) if count else (0.0, 0.0)


def test_concurrent_requests_are_batched_and_padded(batching_server):
    rest_url, grpc_target, _ = batching_server
    rows = np.random.default_rng(0).normal(size=(24, 4)).astype(np.float32)
    expected = dense_outputs(3, rows)["scores"]
    batches_before, rows_before = batch_metrics(rest_url)
    clients = [serving_client.connect(rest_url, "dense"), serving_client.connect(f"grpc://{grpc_target}", "dense")]

    def one(index: int) -> np.ndarray:
        return clients[index % 2].predict({"features": rows[index:index + 1]})["scores"][0]

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(one, range(len(rows))))
    np.testing.assert_allclose(np.stack(answers), expected, rtol=1e-6, atol=1e-5)
    batches, padded_rows = batch_metrics(rest_url)
    assert batches - batches_before < len(rows)
    assert padded_rows - rows_before >= len(rows)
    assert (padded_rows - rows_before) % 4 == 0


def test_task_larger_than_max_batch_size(batching_server):
    rest_url, _, _ = batching_server
    with pytest.raises(InvalidArgument, match="Task size 9 is larger than maximum input batch size 8"):
        serving_client.connect(rest_url, "dense").predict({"features": np.zeros((9, 4), np.float32)})


def test_the_session_thread_flags_size_the_servers_pools(batching_server):
    """Read back from TensorFlow after `serve` sized its pools, not just what the flags asked for."""
    _, _, log = batching_server
    assert "TensorFlow thread pools: intra-op 1, inter-op 2" in log.read_text()
