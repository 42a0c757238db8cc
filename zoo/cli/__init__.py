"""`python -m zoo`: the command line, and the one place that wires zoo, serving and demos.

    python -m zoo list
    python -m zoo train conv_autoencoder --set code_size=4 --epochs 50
    python -m zoo evaluate conv_autoencoder
    python -m zoo build image_classifier:served chatbot:untrained conv_autoencoder:served chatbot image_classifier
    python -m zoo export conv_autoencoder --precision float16
    python -m zoo serve
    python -m zoo demo --backend http://localhost:8501
    python -m zoo quickstart
    python -m zoo experiment finetune-tricks --sizes 64 256 --seeds 3
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from zoo.distribution import STRATEGIES  # noqa: E402
from zoo.errors import ZooError  # noqa: E402
from zoo.registry import entries, get_entry  # noqa: E402
from zoo.workflow import LOCAL_CONFIG, STAGES, Step, Workflow  # noqa: E402

EXPERIMENTS = {
    "finetune-tricks": "zoo.experiments.finetune_tricks",
    "chatbot-bases": "zoo.experiments.chatbot_bases",
    "gpt-written-entities": "zoo.experiments.gpt_written_entities",
    "translation-comparison": "zoo.experiments.translation_comparison",
}
DEFAULT_WORKDIR = "models"
DEFAULT_EXPORTS = "exports"


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

    build = add("build", "train, evaluate and export each task that is not current, in order", task=False)
    build.add_argument("steps", nargs="+", metavar="TASK[:STAGE]",
                       help="tasks in order, each brought to its stage: untrained (its pretrained weights exported, if it "
                            "has no export yet), served (trained and exported) or current (the default: trained, "
                            "evaluated and exported)")
    build.add_argument("--exports", default=DEFAULT_EXPORTS, help="export root (default: exports)")

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
    from serving.export.exporter import versions

    print(f"{'task':<26}{'family':<15}{'trained':<9}{'exported':<10}summary")
    for name, entry in entries().items():
        trained = "yes" if (Path(args.workdir) / name / "model.keras").is_file() else "-"
        exported = versions(Path(args.exports) / name)
        print(f"{name:<26}{entry.family:<15}{trained:<9}{('v' + str(exported[-1])) if exported else '-':<10}{entry.summary}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from zoo.distribution import create_strategy, describe
    get_entry(args.task)
    strategy = create_strategy(args.strategy, cpu_devices=args.cpu_devices)
    flow = Workflow(args.workdir)
    assignments = list(args.set) + ([f"epochs={args.epochs}"] if args.epochs is not None else [])
    task = flow.task(args.task, assignments, fresh=args.fresh)
    print(f"training {task.name} in {Path(args.workdir) / task.name} ({describe(strategy)}, "
          f"global batch {task.config.batch_size})")
    flow.train(task, fresh=args.fresh, strategy=strategy)
    print(f"saved {Path(args.workdir) / task.name / 'model.keras'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    Workflow(args.workdir).evaluate(args.task)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    steps = []
    for text in args.steps:
        name, _, stage = text.partition(":")
        get_entry(name)
        if stage not in ("", *STAGES):
            raise ZooError(f"{text!r}: a step is TASK or TASK:STAGE, the stage one of {', '.join(STAGES)}")
        steps.append(Step(name, stage or "current"))
    failed = Workflow(args.workdir, args.exports).build(steps)
    if failed:
        raise ZooError(f"could not build {', '.join(failed)} (the errors are above)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    Workflow(args.workdir, args.exports).export(args.task, args.precision, verify=not args.no_verify)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from serving.server.model_server import main as serve_main

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
    "build": cmd_build,
    "export": cmd_export,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "quickstart": cmd_quickstart,
    "experiment": cmd_experiment,
}
