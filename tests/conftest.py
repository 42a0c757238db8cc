"""Shared fixtures: one small trained autoencoder run and its export, made once per session."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import dataclasses  # noqa: E402
import socket  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

import zoo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "tests"


@dataclasses.dataclass(frozen=True)
class TrainedRun:
    workdir: Path
    task: object
    model: object


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> TrainedRun:
    """conv_autoencoder, code size 4, trained for a few epochs on the real digits."""
    from zoo.training import train

    workdir = tmp_path_factory.mktemp("models")
    task = zoo.get_task("conv_autoencoder", epochs=6, code_size=4, comparison_code_sizes=[2, 8], comparison_epochs=3)
    model = train(task, workdir, verbose=0)
    return TrainedRun(workdir, task, model)


@pytest.fixture(scope="session")
def exported(trained_run, tmp_path_factory):
    """The trained run exported once with verification; returns the ExportResult."""
    from serving.export.exporter import export

    base = tmp_path_factory.mktemp("exports") / "conv_autoencoder"
    return export(trained_run.model, trained_run.task.endpoints(trained_run.model), base)


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium shared by a test module's browser tests (see browser_helpers)."""
    from browser_helpers import CHROMIUM, chromium

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    with chromium() as launched:
        yield launched

@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups into the test ids
def pytest_collection_modifyitems(config, items) -> None:
    """Group tests for `make test`'s two workers (`-n 2 --dist loadgroup`): each test folder runs on
    one worker, so its session fixtures (tiny trained runs, exports, servers) are built once; the
    top-level modules, which share only the quick `trained_run`, are spread one module a group."""
    tests = Path(__file__).resolve().parent
    for item in items:
        relative = Path(item.path).resolve().relative_to(tests)
        group = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        item.add_marker(pytest.mark.xdist_group(group))
