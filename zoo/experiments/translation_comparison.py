"""The three translation architectures on one data pipeline, training budget and decoding:
`translation_rnn` (GRU encoder-decoder, no attention), `translation_attention` (bidirectional
GRU, dot attention) and `translation_transformer` (keras-hub Transformer layers).

Each task is trained with `zoo.training.train` under `--workdir` with its registered config and
the `--set` overrides, which apply to all three (a finished run is loaded, an interrupted one
resumes, a run there with another config is an error), then scored on the same held-out pairs.
The last row is the constant-output baseline: the best single training target, picked on
validation. Writes `comparison.md` and `comparison.json` to `--out`.

    python -m zoo experiment translation-comparison --workdir models --out artifacts/translation_comparison
    python -m zoo experiment translation-comparison --workdir /tmp/numbers --set corpus=numbers --set epochs=1
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo.io import write_atomically  # noqa: E402
from zoo.registry import get_task  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402
from zoo.training import run_directory, train  # noqa: E402
from zoo.translation.task import TranslationTask  # noqa: E402

COMPARED = ("translation_rnn", "translation_attention", "translation_transformer")


def configured(name: str, assignments: list[str]) -> TranslationTask:
    """Task `name` with its registered config and `assignments` (key=value, as `--set` takes them)."""
    return get_task(name, get_task(name).config.replace_from_strings(assignments))


def scored(task: TranslationTask, workdir: Path) -> dict:
    """`task` trained under `workdir` (or its finished run loaded) and scored on its test pairs."""
    run = run_directory(workdir, task.name)
    finished = run.model.is_file() and not run.backup.exists()   # `train` loads it (another config there is an error)
    started = time.perf_counter()
    model = train(task, workdir)
    seconds = None if finished else time.perf_counter() - started
    measured, _ = task.test_scores(task.endpoints(model)[0])
    return {"task": task.name, "model": task.describe(), "parameters": model.count_params(),
            "training_steps": task.steps_per_epoch * task.config.epochs, "training_seconds": seconds,
            "bleu": measured["bleu"], "chrf": measured["chrf"]}


def constant_output(task: TranslationTask) -> dict:
    """The row of a model that ignores its input (the compared tasks share the data, so any one's)."""
    constant, measured = task.constant_baseline()
    return {"task": "constant output", "model": f"always {constant[:40]!r}", "parameters": 0, "training_steps": 0,
            "training_seconds": None, "bleu": measured["bleu"], "chrf": measured["chrf"]}


def table(rows: list[dict], beam_width: int) -> str:
    return markdown_table(
        ["task", "model", "parameters", "training steps", "training s (this run)", f"BLEU (beam {beam_width})", "chrF"],
        [[r["task"], r["model"], f"{r['parameters']:,}", r["training_steps"],
          "-" if r["training_seconds"] is None else f"{r['training_seconds']:.0f}", f"{r['bleu']:.2f}", f"{r['chrf']:.1f}"]
         for r in rows],
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="translation-comparison", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("models"), help="where the three runs are trained or found")
    parser.add_argument("--out", type=Path, default=Path("artifacts/translation_comparison"), help="where the tables go")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a config field for all three tasks (repeatable), e.g. --set epochs=1")
    args = parser.parse_args(argv)

    tasks = [configured(name, args.assignments) for name in COMPARED]
    rows = [scored(task, args.workdir) for task in tasks] + [constant_output(tasks[0])]
    markdown = table(rows, tasks[0].config.beam_width)
    write_atomically(args.out / "comparison.md", markdown + "\n")
    write_atomically(args.out / "comparison.json", json.dumps(rows, indent=2))
    print(markdown)
    print(f"written to {args.out}")
    return 0
