"""A tiny captioner trained once per session on the real emoji renders, its export, and our
model server serving that export on loopback."""
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

import zoo

REPO = Path(__file__).resolve().parents[2]
TINY = {"backbone": "small_cnn", "pretrained": False, "image_size": 32, "embed_dim": 64, "num_layers": 1, "num_heads": 2, "intermediate_dim": 128,
        "min_word_count": 2, "dropout": 0.2, "max_tokens": 10, "epochs": 8, "batch_size": 32,
        "learning_rate": 2e-3, "beam_width": 3}
SERVED_NAME = "captioner"


@dataclasses.dataclass(frozen=True)
class TinyRun:
    task: object
    model: object
    endpoint: object
    seconds: float


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> TinyRun:
    from zoo.training import train

    task = zoo.get_task("image_captioning", **TINY)
    started = time.perf_counter()
    model = train(task, tmp_path_factory.mktemp("captioning_models"), verbose=0)
    return TinyRun(task, model, task.endpoints(model)[0], time.perf_counter() - started)


@pytest.fixture(scope="session")
def tiny_export(tiny_run, tmp_path_factory):
    """The tiny run's endpoint exported; the tests compare it with the in-process endpoint
    themselves (export's own check runs in a subprocess, which costs a second TF start)."""
    from serving.export.exporter import export

    return export(tiny_run.model, [tiny_run.endpoint], tmp_path_factory.mktemp("captioning_exports") / SERVED_NAME,
                  verify=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served_model_url(tiny_export, tmp_path_factory):
    """REST URL of the tiny export's model on `python -m serving serve` (append ":predict")."""
    rest_port, grpc_port = _free_port(), _free_port()
    log_path = tmp_path_factory.mktemp("captioning_server") / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving", "serve", "--host=127.0.0.1", f"--port={grpc_port}",
             f"--rest_api_port={rest_port}", f"--model_name={SERVED_NAME}",
             f"--model_base_path={tiny_export.path.parent}"],
            cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)},
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{rest_port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{url}/v1/models/{SERVED_NAME}", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
        yield f"{url}/v1/models/{SERVED_NAME}"
    finally:
        process.kill()
        process.wait(timeout=20)
