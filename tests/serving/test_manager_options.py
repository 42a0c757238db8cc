"""ServerCore options that flags set, on a real ModelManager loading real fixture exports."""
from __future__ import annotations

import logging
import threading
import shutil
import time

import pytest
from tensorflow_serving.config import model_server_config_pb2

from serving.protocol.errors import FailedPrecondition, NotFound
from serving.server.model_manager import ManagerOptions, ModelManager


def config_with(name: str, base_path: str, versions: list[int], labels: dict[str, int]):
    config = model_server_config_pb2.ModelServerConfig()
    entry = config.model_config_list.config.add(name=name, base_path=base_path, model_platform="tensorflow")
    entry.model_version_policy.specific.versions.extend(versions)
    for label, version in labels.items():
        entry.version_labels[label] = version
    return config


def test_labels_for_unavailable_versions_need_the_flag(fixtures_dir):
    """UpdateModelVersionLabelMap refuses a label on a version that is not available unless
    --allow_version_labels_for_unavailable_models, and then only for a new label or the same
    version (model_servers/server_core.cc:549-590)."""
    config = config_with("dense", str(fixtures_dir / "dense"), [1], {"stable": 1, "next": 3})
    manager = ModelManager()
    try:
        with pytest.raises(FailedPrecondition, match="^Request to assign label to version 3 of model dense, which "
                                                     "is not currently available for inference$"):
            manager.apply_config(config)
    finally:
        manager.stop()
    manager = ModelManager(options=ManagerOptions(allow_version_labels_for_unavailable_models=True))
    try:
        manager.apply_config(config)
        assert manager.resolve("dense", label="stable").version == 1
        with pytest.raises(NotFound, match=r"Specific\(dense, 3\)"):
            manager.resolve("dense", label="next")
        moved = config_with("dense", str(fixtures_dir / "dense"), [1], {"stable": 2})
        with pytest.raises(FailedPrecondition, match="version 2 of model dense"):
            manager.apply_config(moved)  # an existing label may not move to an unavailable version
    finally:
        manager.stop()


def test_a_failing_load_is_retried(tmp_path, caplog):
    """--max_num_load_retries (default 5) retries, --load_retry_interval_micros apart
    (model_servers/server.h:68-69, core/loader_harness.cc:80-90)."""
    (tmp_path / "broken" / "1").mkdir(parents=True)
    (tmp_path / "broken" / "1" / "saved_model.pb").write_bytes(b"not a protobuf")
    config = config_with("broken", str(tmp_path / "broken"), [1], {})
    for retries in (0, 2):
        caplog.clear()
        manager = ModelManager(options=ManagerOptions(max_num_load_retries=retries, load_retry_interval_seconds=0.2))
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="serving.server.model_manager"):
            manager.apply_config(config)
        elapsed = time.monotonic() - started
        try:
            assert sum("Retrying load" in record.getMessage() for record in caplog.records) == retries
            assert elapsed >= 0.2 * retries
            status = manager.statuses("broken")[1]
            assert status.state == "END" and status.error_message
        finally:
            manager.stop()
    shutil.rmtree(tmp_path / "broken")


def test_load_threads_let_a_slow_load_hold_no_other_model_back(fixtures_dir, tmp_path):
    """--num_load_threads (model_servers/main.cc, server_core.h num_load_threads): with a pool, a
    model whose load is still warming up does not keep a second model from serving, a poll during
    that load starts no second load of it, and the config call returns once both have loaded."""
    shutil.copytree(fixtures_dir / "dense" / "1", tmp_path / "slow" / "1")
    shutil.copytree(fixtures_dir / "dense" / "1", tmp_path / "quick" / "1")
    config = model_server_config_pb2.ModelServerConfig()
    for name in ("slow", "quick"):  # slow is listed first, so a serial manager would load it first
        config.model_config_list.config.add(name=name, base_path=str(tmp_path / name), model_platform="tensorflow")
    release, warmups = threading.Event(), []

    def warmup(version) -> int:
        warmups.append(version.name)
        if version.name == "slow":
            assert release.wait(30), "the test never released the slow warmup"
        return 0

    manager = ModelManager(warmup=warmup, options=ManagerOptions(num_load_threads=2))
    applying = threading.Thread(target=manager.apply_config, args=(config,))
    try:
        applying.start()
        deadline = time.monotonic() + 60
        while state(manager, "quick") != "AVAILABLE":
            assert time.monotonic() < deadline, "quick never became available while slow was loading"
            time.sleep(0.05)
        assert manager.resolve("quick").version == 1
        assert state(manager, "slow") == "LOADING"
        assert applying.is_alive()  # the config call waits for slow too
        manager.poll()
        assert sorted(warmups) == ["quick", "slow"]  # the poll started no second load of slow
        release.set()
        applying.join(timeout=30)
        assert not applying.is_alive()
        assert manager.resolve("slow").version == 1
    finally:
        release.set()
        manager.stop()


def state(manager: ModelManager, name: str) -> str:
    """Version 1's state, or "" while the manager has not started on it."""
    try:
        return manager.statuses(name)[1].state
    except NotFound:
        return ""
