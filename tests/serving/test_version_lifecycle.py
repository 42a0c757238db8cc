"""Hot loading under load with zero failed requests; broken and half-written versions refused."""
from __future__ import annotations

import os
import shutil
import threading
import time

import numpy as np

from serving import client as serving_client
from serving_fixtures import dense_outputs

FEATURES = np.array([[1, 2, 3, 4], [4, 3, 2, 1]], dtype=np.float32)
WAIT_SECONDS = 60


def publish(source, base, version: int) -> None:
    """Copy a version in under a hidden name, then rename it into place (as the exporter does)."""
    temporary = base / f".tmp-{version}-copy"
    shutil.copytree(source, temporary)
    os.rename(temporary, base / str(version))


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def answering_version(client) -> int:
    scores = client.predict({"features": FEATURES})["scores"]
    for version in (1, 2, 3):
        if np.allclose(scores, dense_outputs(version, FEATURES)["scores"], rtol=1e-6):
            return version
    raise AssertionError(f"unexpected scores {scores}")


def test_hot_load_under_load_then_broken_and_half_written_versions(server):
    hot = server.fixtures / "hot"
    rest = serving_client.connect(server.rest_url, "hot")
    grpc_client = serving_client.connect(f"grpc://{server.grpc_target}", "hot")
    assert answering_version(rest) == 1
    failures, answered, stop = [], {1: 0, 2: 0}, threading.Event()

    def load(client) -> None:
        for _ in range(5000):
            if stop.is_set():
                return
            try:
                answered[answering_version(client)] += 1
            except Exception as error:
                failures.append(error)

    workers = [threading.Thread(target=load, args=(c,)) for c in (rest, rest, grpc_client, grpc_client)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        publish(server.fixtures / "dense" / "2", hot, 2)
        wait_for(lambda: answering_version(rest) == 2, "version 2 to serve")
        # newest first, as TF Serving lists them (core/servable_state_monitor.h:68)
        wait_for(lambda: [s["state"] for s in rest.status()] == ["AVAILABLE", "END"], "version 1 to unload")
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert failures == []
    assert answered[1] > 0 and answered[2] > 0

    broken = hot / "3"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"not a protobuf")
    wait_for(lambda: any(s["version"] == "3" and s["state"] == "END" for s in rest.status()), "version 3 refused")
    status = {s["version"]: s for s in rest.status()}
    assert status["3"]["status"]["error_code"] != "OK" and status["3"]["status"]["error_message"]
    assert status["2"]["state"] == "AVAILABLE"
    assert answering_version(rest) == 2 and answering_version(grpc_client) == 2

    shutil.rmtree(broken)
    half = hot / "4"
    half.mkdir()
    shutil.copy(server.fixtures / "dense" / "3" / "saved_model.pb", half / "saved_model.pb")
    wait_for(lambda: any(s["version"] == "4" and s["state"] == "END" for s in rest.status()), "version 4 refused")
    assert answering_version(rest) == 2
    shutil.rmtree(half)
    shutil.copytree(server.fixtures / "dense" / "3", half)
    wait_for(lambda: answering_version(rest) == 3, "completed version 4 to serve")
