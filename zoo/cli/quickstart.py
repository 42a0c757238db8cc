"""`python -m zoo quickstart`: from nothing to a served, demoed zoo in one command.

For each task: train (or load the finished run), evaluate once, export when the trained model
is newer than the latest export; then start the local TF Serving-compatible server on the
exports and open the demo against its REST API (or in-process with `--no-serve`).
"""
from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from zoo.errors import ZooError
from zoo.registry import get_task
from zoo.training import run_directory, train


def quickstart(names: list[str], args: argparse.Namespace) -> None:
    from zoo.cli import LOCAL_CONFIG, evaluate, export_task, file_digest

    for name in names:
        run = run_directory(args.workdir, name)
        print(f"\n== {name}")
        train(get_task(name, run.saved_config()), args.workdir)
        if not (run.evaluation / "metrics.json").is_file():
            evaluate(name, args.workdir)
        if latest_export_digest(Path(args.exports) / name) != file_digest(run.model):
            export_task(name, args.workdir, args.exports)
        else:
            print(f"{name}: the latest export is of the current model")

    from demos.app import launch

    if args.no_serve:
        launch(names, args.workdir, backend_url=None, port=args.port, open_browser=not args.no_browser)
        return
    for port in (args.grpc_port, args.rest_port, args.port):
        ensure_port_free(port)
    config = Path(args.exports) / LOCAL_CONFIG
    signal.signal(signal.SIGTERM, _interrupt)
    server = subprocess.Popen([
        sys.executable, "-m", "serving", "serve", "--port", str(args.grpc_port),
        "--rest_api_port", str(args.rest_port), "--model_config_file", str(config),
        "--enable_model_warmup", "true",
    ], preexec_fn=_die_with_parent)
    rest_url = f"http://127.0.0.1:{args.rest_port}"
    try:
        wait_until_serving(rest_url, names, server)
        print(f"\nserving {', '.join(names)}: REST {rest_url}, gRPC 127.0.0.1:{args.grpc_port}")
        launch(names, args.workdir, backend_url=rest_url, port=args.port, open_browser=not args.no_browser)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _interrupt(signum, frame) -> None:
    """SIGTERM ends quickstart like Ctrl-C does, so the server it started is stopped too."""
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In the server's process (Linux): get SIGTERM if quickstart dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def latest_export_digest(base: Path) -> str | None:
    from serving.export.exporter import METADATA_FILE, versions

    found = versions(base)
    if not found:
        return None
    metadata = base / str(found[-1]) / METADATA_FILE
    return json.loads(metadata.read_text()).get("model_sha256") if metadata.is_file() else None


def ensure_port_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise ZooError(f"port {port} is in use ({error.strerror}); choose another with the port flags") from error


def wait_until_serving(rest_url: str, names: list[str], server: subprocess.Popen, timeout: float = 600) -> None:
    """Block until every model reports AVAILABLE over REST, or raise if the server dies.

    The server loads and warms up every model before it opens its ports: 13 models took about
    a minute on 2 cores, hence the generous default.
    """
    from serving.client import connect
    from serving.protocol.errors import ServingError

    deadline = time.monotonic() + timeout
    pending = list(names)
    while pending:
        if server.poll() is not None:
            raise ZooError(f"the model server exited with code {server.returncode} before serving {pending}")
        if time.monotonic() > deadline:
            raise ZooError(f"the model server did not serve {pending} within {timeout:.0f} s")
        try:
            states = connect(rest_url, pending[0], timeout=2).status()
            if any(state.get("state") == "AVAILABLE" for state in states):
                pending.pop(0)
                continue
        except (ServingError, OSError):
            pass
        time.sleep(0.5)
