"""`python -m zoo`: the command line, and the one place that wires zoo, serving and demos.

    python -m zoo list
    python -m zoo train conv_autoencoder --set code_size=4 --epochs 50
    python -m zoo evaluate conv_autoencoder
    python -m zoo export conv_autoencoder --precision float16
    python -m zoo serve
    python -m zoo demo --backend http://localhost:8501
    python -m zoo quickstart
    python -m zoo experiment finetune-tricks --sizes 64 256 --seeds 3
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from zoo.distribution import STRATEGIES  # noqa: E402
from zoo.errors import ZooError  # noqa: E402
from zoo.registry import entries, get_entry, get_task  # noqa: E402

EXPERIMENTS = {
    "finetune-tricks": "zoo.experiments.finetune_tricks",
    "chatbot-bases": "zoo.experiments.chatbot_bases",
    "translation-comparison": "zoo.experiments.translation_comparison",
}
DEFAULT_WORKDIR = "models"
DEFAULT_EXPORTS = "exports"
CONTAINER_CONFIG = "models.config"
LOCAL_CONFIG = "models.local.config"
CONTAINER_MODEL_ROOT = "/models"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zoo", description="Keras model zoo with TF Serving export.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, task: bool = True) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        if task:
            command.add_argument("task", help="task name (see `python -m zoo list`)")
        command.add_argument("--workdir", default=DEFAULT_WORKDIR, help="where training runs live (default: models)")
        return command

    add("list", "list the tasks and what has been trained and exported", task=False).add_argument(
        "--exports", default=DEFAULT_EXPORTS)

    train = add("train", "train a task (resumes an interrupted run)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field")
    train.add_argument("--epochs", type=int, help="shorthand for --set epochs=N")
    train.add_argument("--fresh", action="store_true", help="discard earlier runs of this task and start over")
    train.add_argument("--strategy", choices=STRATEGIES, default="default",
                       help="tf.distribute strategy; multi_worker reads TF_CONFIG, tpu reads TPU_NAME (default: default)")
    train.add_argument("--cpu-devices", type=int, default=0, metavar="N",
                       help="split the CPU into N logical devices, so `mirrored` has N replicas without GPUs")

    add("evaluate", "measure a trained task on held-out data; writes tables and plots")

    export = add("export", "export a trained task as the next TF Serving version")
    export.add_argument("--exports", default=DEFAULT_EXPORTS, help="export root (default: exports)")
    export.add_argument("--precision", choices=["float32", "float16", "bfloat16"], default="float32",
                        help="float16 for GPU servers, bfloat16 for TPU; variables stay float32")
    export.add_argument("--no-verify", action="store_true", help="skip the fresh-process check (not recommended)")

    serve = add("serve", "serve every export like TF Serving (gRPC and REST)", task=False)
    _add_server_flags(serve)

    demo = add("demo", "open the Gradio demo", task=False)
    demo.add_argument("--tasks", help="comma-separated task names (default: every trained task)")
    demo.add_argument("--backend", help="TF Serving REST URL, e.g. http://localhost:8501 (default: in-process)")
    demo.add_argument("--port", type=int, default=7860)
    demo.add_argument("--no-browser", action="store_true")

    quick = add("quickstart", "train or load every default model, export, serve and open the demo", task=False)
    quick.add_argument("--tasks", help="comma-separated task names (default: every quickstart task)")
    quick.add_argument("--port", type=int, default=7860, help="demo port")
    quick.add_argument("--no-serve", action="store_true", help="run the demo in-process instead of via the server")
    quick.add_argument("--no-browser", action="store_true")
    _add_server_flags(quick)
    experiment = sub.add_parser("experiment", help="run a study (its own options follow its name)",
                                description="run a study; `python -m zoo experiment NAME --help` lists its options")
    experiment.add_argument("name", choices=sorted(EXPERIMENTS))
    experiment.add_argument("options", nargs=argparse.REMAINDER)
    return parser


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exports", default=DEFAULT_EXPORTS, help="export root (default: exports)")
    parser.add_argument("--grpc-port", type=int, default=8500)
    parser.add_argument("--rest-port", type=int, default=8501)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def cmd_list(args: argparse.Namespace) -> int:
    from serving.export import versions

    print(f"{'task':<26}{'family':<15}{'trained':<9}{'exported':<10}summary")
    for name, entry in entries().items():
        trained = "yes" if (Path(args.workdir) / name / "model.keras").is_file() else "-"
        exported = versions(Path(args.exports) / name)
        print(f"{name:<26}{entry.family:<15}{trained:<9}{('v' + str(exported[-1])) if exported else '-':<10}{entry.summary}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from zoo.distribution import create_strategy, describe
    from zoo.training import run_directory, train

    get_entry(args.task)
    strategy = create_strategy(args.strategy, cpu_devices=args.cpu_devices)
    saved = None if args.fresh else run_directory(args.workdir, args.task).saved_config()
    task = get_task(args.task, saved)
    assignments = list(args.set) + ([f"epochs={args.epochs}"] if args.epochs is not None else [])
    if assignments:
        task = get_task(args.task, task.config.replace_from_strings(assignments))
    print(f"training {task.name} in {Path(args.workdir) / task.name} ({describe(strategy)}, "
          f"global batch {task.config.batch_size})")
    train(task, args.workdir, fresh=args.fresh, strategy=strategy)
    print(f"saved {Path(args.workdir) / task.name / 'model.keras'}")
    return 0


def evaluate(task_name: str, workdir: str) -> Path:
    """Evaluate a trained task; write metrics.json, tables and figures; return the directory."""
    from zoo.training import load_trained, run_directory

    task, model = load_trained(task_name, workdir)
    out = run_directory(workdir, task_name).evaluation
    out.mkdir(parents=True, exist_ok=True)
    report = task.evaluate(model, out)
    (out / "metrics.json").write_text(json.dumps(report.metrics, indent=2, sort_keys=True))
    print(f"{task_name}:")
    for key, value in report.metrics.items():
        print(f"  {key}: {value:.6g}")
    for name, table in report.tables.items():
        (out / f"{name}.md").write_text(table + "\n")
        print(f"\n{name}:\n{table}")
    print("\nwrote " + ", ".join(str(p) for p in [out / "metrics.json", *report.files]))
    return out


def cmd_evaluate(args: argparse.Namespace) -> int:
    evaluate(args.task, args.workdir)
    return 0


def export_task(task_name: str, workdir: str, exports: str, precision: str = "float32", verify: bool = True):
    """Export a trained task as the next version under `exports/<task>`, update model configs."""
    from serving.export import ExportError, export
    from serving.model_config import add_model
    from serving.verify import Tolerance
    from zoo.training import load_trained, run_directory

    task, model = load_trained(task_name, workdir)
    served = task.serving_model(model, precision)
    tolerance = {"float32": Tolerance(1e-5, 1e-5), "float16": Tolerance(1e-2, 1e-2), "bfloat16": Tolerance(5e-2, 5e-2)}[precision]
    base = Path(exports) / task_name
    metadata = {
        "task": task_name,
        "config": task.config.to_dict(),
        "precision": precision,
        "model_sha256": file_digest(run_directory(workdir, task_name).model),
    }
    try:
        result = export(served, task.endpoints(served), base, model_name=task_name, tolerance=tolerance,
                        verify=verify, metadata=metadata)
    except ExportError as error:
        raise ZooError(str(error)) from error
    add_model(Path(exports) / CONTAINER_CONFIG, task_name, f"{CONTAINER_MODEL_ROOT}/{task_name}")
    add_model(Path(exports) / LOCAL_CONFIG, task_name, str(base.resolve()))
    print(f"exported {task_name} version {result.version} to {result.path} in {result.seconds:.1f} s "
          f"(signatures: {', '.join(result.signatures)})")
    if result.verification is not None:
        print("\n".join(result.verification.lines()))
    return result


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cmd_export(args: argparse.Namespace) -> int:
    export_task(args.task, args.workdir, args.exports, args.precision, verify=not args.no_verify)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from serving.server import main as serve_main

    config = Path(args.exports) / LOCAL_CONFIG
    if not config.is_file():
        raise ZooError(f"no exports to serve: {config} is missing; run `python -m zoo export TASK` first")
    return serve_main(["--port", str(args.grpc_port), "--rest_api_port", str(args.rest_port),
                       "--model_config_file", str(config), "--enable_model_warmup", "true"])


def cmd_demo(args: argparse.Namespace) -> int:
    from demos.app import launch

    names = _task_list(args.tasks, default=[n for n in entries() if (Path(args.workdir) / n / "model.keras").is_file()])
    if not names:
        raise ZooError(f"no trained tasks in {args.workdir}; run `python -m zoo train TASK` or `python -m zoo quickstart`")
    launch(names, args.workdir, backend_url=args.backend, port=args.port, open_browser=not args.no_browser)
    return 0


def cmd_quickstart(args: argparse.Namespace) -> int:
    from zoo.cli.quickstart import quickstart

    names = _task_list(args.tasks, default=[n for n, e in entries().items() if e.quickstart])
    quickstart(names, args)
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    import importlib

    return importlib.import_module(EXPERIMENTS[args.name]).main(args.options)


def _task_list(text: str | None, default: list[str]) -> list[str]:
    if not text:
        return default
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        get_entry(name)
    return names


COMMANDS = {
    "list": cmd_list,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "export": cmd_export,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "quickstart": cmd_quickstart,
    "experiment": cmd_experiment,
}
