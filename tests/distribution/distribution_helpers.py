"""Helpers for the distribution tests: every strategy runs in its own processes, since
TensorFlow allows one strategy per process and splits the CPU only before it starts."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

WORKER = Path(__file__).with_name("train_worker.py")


def worker_command(strategy: str, cpu_devices: int, workdir: Path, weights: Path, task: str, *settings: str) -> list[str]:
    return [sys.executable, str(WORKER), strategy, str(cpu_devices), str(workdir), str(weights), task, *settings]


def run_training(*args, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(worker_command(*args), capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def replicas(result: subprocess.CompletedProcess) -> int:
    return json.loads(result.stdout.splitlines()[0])["replicas"]


def load_weights(path: Path) -> list[np.ndarray]:
    with np.load(path) as arrays:
        return [arrays[f"arr_{i}"] for i in range(len(arrays.files))]


def max_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    assert [x.shape for x in a] == [y.shape for y in b]
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_config(ports: list[int], index: int) -> str:
    return json.dumps({"cluster": {"worker": [f"localhost:{p}" for p in ports]}, "task": {"type": "worker", "index": index}})


FACES_AUTOENCODER = ("dense_autoencoder", "dataset=faces")
"""A task whose 140 training faces split evenly over 2 replicas in every batch (4 x 32 + 12):
a batch that splits unevenly weights its halves' mean losses equally, so it would differ."""
