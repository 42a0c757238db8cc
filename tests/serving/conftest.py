"""Start our model server as a real subprocess on loopback, or point the suite at another server.

By default a session-scoped server runs `python -m serving serve` on free 127.0.0.1 ports over
fixture models written to a temporary directory. To run the same suite against a real
TensorFlow Serving, write the fixtures where that server can read them and start it with the
generated config, then set:

    ZOO_SERVING_FIXTURES_DIR=/tmp/fixtures      # from serving_fixtures.py, as this machine sees it
    ZOO_SERVING_REST_URL=http://127.0.0.1:8501
    ZOO_SERVING_GRPC_TARGET=127.0.0.1:8500
    ZOO_SERVING_METRICS_PATH=/monitoring/prometheus/metrics   # optional
"""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from serving_fixtures import write_fixtures

REPO = Path(__file__).resolve().parents[2]
METRICS_PATH = "/monitoring/prometheus/metrics"
STARTUP_SECONDS = 120


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes minutes; run with `make test-slow`")


@dataclasses.dataclass(frozen=True)
class ServerUnderTest:
    rest_url: str
    grpc_target: str
    fixtures: Path
    external: bool
    metrics_path: str | None
    log: Path | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(rest_url: str, model: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{rest_url}/v1/models/{model}", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"server not ready after {STARTUP_SECONDS} s:\n{log.read_text()[-4000:]}")


def start_server(workdir: Path, config: Path, extra_flags: list[str], ready_model: str):
    rest_port, grpc_port = free_port(), free_port()
    monitoring = workdir / "monitoring.config"
    monitoring.write_text(f'prometheus_config {{ enable: true path: "{METRICS_PATH}" }}\n')
    log = workdir / f"server-{rest_port}.log"
    command = [
        sys.executable, "-m", "serving", "serve", "--host=127.0.0.1", f"--port={grpc_port}",
        f"--rest_api_port={rest_port}", f"--model_config_file={config}", "--file_system_poll_wait_seconds=0.3",
        f"--monitoring_config_file={monitoring}", "--enable_model_warmup=true",
        "--load_retry_interval_micros=50000", *extra_flags,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
    rest_url = f"http://127.0.0.1:{rest_port}"
    try:
        wait_until_serving(rest_url, ready_model, process, log)
    except Exception:
        process.kill()
        process.wait(timeout=10)
        raise
    return process, rest_url, f"127.0.0.1:{grpc_port}", log


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory) -> Path:
    external = os.environ.get("ZOO_SERVING_FIXTURES_DIR")
    if external:
        return Path(external)
    root = tmp_path_factory.mktemp("serving_fixtures")
    write_fixtures(root)
    return root


@pytest.fixture(scope="session")
def server(fixtures_dir, tmp_path_factory) -> ServerUnderTest:
    rest_url = os.environ.get("ZOO_SERVING_REST_URL")
    if rest_url:
        yield ServerUnderTest(rest_url.rstrip("/"), os.environ["ZOO_SERVING_GRPC_TARGET"], fixtures_dir, True,
                              os.environ.get("ZOO_SERVING_METRICS_PATH"))
        return
    workdir = tmp_path_factory.mktemp("server")
    process, rest_url, grpc_target, log = start_server(workdir, fixtures_dir / "models.config", [], "hot")
    yield ServerUnderTest(rest_url, grpc_target, fixtures_dir, False, METRICS_PATH, log)
    stop_server(process)


@pytest.fixture(params=["rest", "grpc"])
def protocol(request) -> str:
    return request.param


@pytest.fixture
def target(server, protocol) -> str:
    return server.rest_url if protocol == "rest" else f"grpc://{server.grpc_target}"
