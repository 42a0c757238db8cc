"""`python -m zoo quickstart` (what `make demo` runs): the demo page at once, the models as they come.

1. The model server starts on an empty model list; once it is up, `exports/models.demo.config`
   lists every requested task, and the server loads each version as it lands under
   `exports/<task>`, two at a time, so each model goes live as soon as it is loaded and one slow
   load (the chatbot's) holds no other back.
2. Two worker processes (`python -m zoo build`) train and export what is not served yet: one
   builds the chatbot, exporting its pretrained weights untrained first so that it answers while
   its fine-tune runs, the other builds every other task, fast and striking ones first. Side by
   side they keep both cores busy where one alone leaves one idle (an export is mostly one
   thread), so the first, once done, takes a share of the other's tasks. Every model is
   served before any task is evaluated, the chatbot's evaluation last.
3. The demo opens straight away: each tab shows its training live and switches to the model
   when the server serves it. Server and worker logs go to `exports/server.log`,
   `<workdir>/worker.log` and `<workdir>/worker-chatbot.log`; the console gets one line per task as it changes phase.

With `--no-serve` everything is built first and the demo then runs the models in-process.
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from zoo.errors import ZooError
from zoo.progress import read_progress
from zoo.workflow import Step, Workflow

DEMO_CONFIG = "models.demo.config"
LOAD_THREADS = 2
DEMO_ORDER = ("image_classifier", "dense_autoencoder", "conv_autoencoder", "bert_sentiment", "image_captioning",
              "bert_ner", "bert_qa", "face_classifier", "variational_autoencoder", "denoising_autoencoder",
              "bert_next_sentence", "bert_masked_lm", "translation_attention", "gpt2_generate", "chatbot")
"""The order a worker builds its tasks in: quick and striking first. Tasks not listed come last."""
OWN_WORKER = ("chatbot",)
"""Tasks built by a worker of their own: a long fine-tune whose pretrained weights serve meanwhile.
(Two workers never build one task at once: each step holds the task's run lock.)"""


def demo_steps(names: list[str]) -> list[Step]:
    """One worker's steps: an untrained export of every task that serves its pretrained weights
    before fine-tuning (a no-op for the others), then each task trained and served in
    `DEMO_ORDER`; evaluations come last, once the worker's models are live."""
    ordered = sorted(names, key=lambda name: DEMO_ORDER.index(name) if name in DEMO_ORDER else len(DEMO_ORDER))
    return [Step(name, stage) for stage in ("untrained", "served", "current") for name in ordered]


def demo_workers(names: list[str]) -> dict[str, list[Step]]:
    """{log file name: steps} for each worker: one for the tasks not in `OWN_WORKER`, which then
    evaluates those too, last of all, so that no evaluation slows a model still on its way; and
    one per `OWN_WORKER` task asked for, which exports and fine-tunes it, then goes through the
    first worker's steps beside it (each takes the tasks the other is not building: see
    `Workflow.build`)."""
    own = [name for name in names if name in OWN_WORKER]
    rest = [name for name in names if name not in OWN_WORKER]
    if not rest:
        return {f"worker-{name}.log": demo_steps([name]) for name in own}
    shared = demo_steps(rest) + [Step(name) for name in own]
    workers = {"worker.log": shared}
    workers.update({f"worker-{name}.log": [Step(name, "untrained"), Step(name, "served"), *shared] for name in own})
    return workers


def quickstart(names: list[str], args: argparse.Namespace) -> None:
    from demos.app import launch

    if args.no_serve:
        failed = Workflow(args.workdir, args.exports).build([Step(name) for name in names])
        ready = [name for name in names if name not in failed]
        if not ready:
            raise ZooError(f"no task could be built: {', '.join(failed)}")
        launch(ready, args.workdir, backend_url=None, port=args.port, open_browser=not args.no_browser)
        return
    for port in (args.grpc_port, args.rest_port, args.port):
        ensure_port_free(port)
    exports, workdir = Path(args.exports), Path(args.workdir)
    exports.mkdir(parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    demo_config = exports / DEMO_CONFIG
    write_served(demo_config, exports, [])
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.ExitStack() as stack:
        server_log = stack.enter_context(open(exports / "server.log", "ab"))
        server = subprocess.Popen([
            sys.executable, "-m", "serving", "serve", "--port", str(args.grpc_port),
            "--rest_api_port", str(args.rest_port), "--model_config_file", str(demo_config),
            "--model_config_file_poll_wait_seconds", "1", "--file_system_poll_wait_seconds", "1",
            "--enable_model_warmup", "true", "--num_load_threads", str(LOAD_THREADS),
        ], stdout=server_log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        workers = {
            workdir / log: subprocess.Popen([
                sys.executable, "-m", "zoo", "build", "--workdir", str(workdir), "--exports", str(exports),
                *(f"{step.name}:{step.stage}" for step in steps),
            ], stdout=stack.enter_context(open(workdir / log, "ab")), stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent)
            for log, steps in demo_workers(names).items()
        }
        stop = threading.Event()
        follower = threading.Thread(target=follow, daemon=True, name="demo-follower",
                                    args=(names, workdir, exports, workers, args.rest_port, stop))
        rest_url = f"http://127.0.0.1:{args.rest_port}"
        print(f"model server: REST {rest_url}, gRPC 127.0.0.1:{args.grpc_port} (log: {exports / 'server.log'})")
        for log, steps in demo_workers(names).items():
            print(f"training worker: {', '.join(dict.fromkeys(step.name for step in steps))} (log: {workdir / log})")
        try:
            follower.start()
            launch(names, workdir, backend_url=rest_url, port=args.port, open_browser=not args.no_browser)
        finally:
            stop.set()
            follower.join(timeout=5)  # its last pass prints the phases reached since its last tick
            for process in (*workers.values(), server):
                process.terminate()
            for process in (*workers.values(), server):
                process.wait(timeout=60)


def follow(names: list[str], workdir: Path, exports: Path, workers: dict[Path, subprocess.Popen], rest_port: int,
           stop: threading.Event) -> None:
    """Each second until `stop` (and once more then): print phase changes and each worker's end,
    and, once the server is up (so that its ports open before it loads anything), list every
    requested task in the demo config, even when the workers are done first."""
    phases: dict[str, str] = {}
    started = time.monotonic()
    listed = False
    running = dict(workers)
    while running or not listed:
        stopping = stop.wait(1.0)
        if not listed and not stopping and port_open(rest_port):
            write_served(exports / DEMO_CONFIG, exports, names)
            listed = True
        for name in names:
            progress = read_progress(workdir / name / "progress.json")
            if progress is not None and phases.get(name) != progress.phase:
                phases[name] = progress.phase
                detail = f": {progress.message}" if progress.message else ""
                print(f"[{(time.monotonic() - started) / 60:5.1f} min] {name}: {progress.phase}{detail}", flush=True)
        if stopping:
            return
        for log, worker in list(running.items()):
            if worker.poll() is not None:
                state = "finished" if worker.returncode == 0 else f"stopped with code {worker.returncode}"
                print(f"training worker {state} (log: {log})", flush=True)
                del running[log]


def write_served(demo_config: Path, exports: Path, names: list[str]) -> None:
    """Write `demo_config` to serve each of `names` from `exports/<task>`, smallest export first
    (the server starts loading what is on disk in that order, so quick ones go live first)."""
    from tensorflow_serving.config import model_server_config_pb2

    from serving.export.model_config import write_model_config

    config = model_server_config_pb2.ModelServerConfig()
    config.model_config_list.SetInParent()
    for name in sorted(names, key=lambda name: export_bytes(exports / name)):
        config.model_config_list.config.add(name=name, base_path=str((exports / name).resolve()),
                                            model_platform="tensorflow")
    write_model_config(demo_config, config)


def export_bytes(base_path: Path) -> int:
    """Size of the newest version under `base_path` (0 when there is none yet)."""
    versions = [path for path in base_path.glob("[0-9]*") if path.name.isdigit()]
    if not versions:
        return 0
    newest = max(versions, key=lambda path: int(path.name))
    return sum(file.stat().st_size for file in newest.rglob("*") if file.is_file())


def _interrupt(signum, frame) -> None:
    """SIGTERM ends quickstart like Ctrl-C does, so the server and worker it started stop too."""
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In a child process (Linux): get SIGTERM if quickstart dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ensure_port_free(port: int) -> None:
    """Refuse a port another process listens on; one left in TIME_WAIT by a server that just
    stopped is free (the servers bind with SO_REUSEADDR, and so does this check)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise ZooError(f"port {port} is in use ({error.strerror}); choose another with the port flags") from error
