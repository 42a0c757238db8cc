"""The CPU accounting `bench.serving_latency` bases its transport-floor bound on."""
import subprocess
import sys

import pytest

from bench.grpc_echo_server import ANSWER
from bench.serving_latency import grpc_echo_caller, free_port, measure, process_cpu_seconds, reachable_share

BUSY = ("import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"
        "print('busy done', flush=True)\ntime.sleep(60)")


def test_process_cpu_seconds_counts_another_process_busy_time():
    child = subprocess.Popen([sys.executable, "-c", BUSY], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "busy done\n"   # however loaded the machine, the busy part is over
        used = process_cpu_seconds(child.pid)
    finally:
        child.kill()
        child.wait()
    assert 0.55 <= used <= 1.2, used


def test_reachable_share_is_cores_over_cost_per_request_as_a_share_of_the_ceiling():
    assert reachable_share(4.0, 2, 1000.0) == pytest.approx(0.5)   # 2 cores / 4 ms = 500 req/s of 1000
    assert reachable_share(1.0, 2, 1000.0) == 1.0                   # never above the ceiling


def test_the_echo_server_answers_and_its_cost_per_call_is_measured():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.grpc_echo_server", str(port), "4"])
    try:
        call = grpc_echo_caller(f"127.0.0.1:{port}")
        assert call() == ANSWER
        result = measure(call, 4, 1.0, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result["throughput"] > 50
    assert 0 < result["client_cpu_ms"] < 20
    assert 0 <= result["server_cpu_ms"] < 20   # /proc counts in clock ticks: a loaded machine may see none
