"""Sentences per second of translation: the exported `translate` signature run through the
session-based loader TF Serving uses vs the same endpoint in-process (a `tf.function` over the
Keras model), same inputs, greedy and beam search, and whether both give the same text.

Uses the trained run in `--workdir` when there is one (what a server would serve), else an
untrained model of the task's default config (its outputs run to the length limit).

    python -m bench.translate                                  # translation_attention, batches 1 and 32
    python -m bench.translate --task translation_transformer --batch-sizes 1,8 --beams 1,4
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from bench.timing import time_calls  # noqa: E402
from serving.export.exporter import export  # noqa: E402
from serving.saved_model import SessionModel  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402
from zoo.training import run_directory  # noqa: E402
from zoo.workflow import load_trained  # noqa: E402
from zoo.translation.task import decoding_settings  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.translate", description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="translation_attention")
    parser.add_argument("--workdir", default="models")
    parser.add_argument("--batch-sizes", default="1,32")
    parser.add_argument("--beams", default="1,4")
    parser.add_argument("--max-length", type=int, default=39)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)

    if run_directory(args.workdir, args.task).model.is_file():
        task, model = load_trained(args.task, args.workdir)
        origin = f"trained run in {args.workdir}/{args.task}"
    else:
        task = zoo.get_task(args.task)
        model = task.build_model()
        origin = "untrained (no run in --workdir)"
    endpoint = task.endpoints(model)[0]
    sentences = [p.source for p in task.split.test]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        exported = export(model, [endpoint], Path(tmp) / args.task, verify=False)
        export_seconds = time.perf_counter() - started
        session = SessionModel.load(exported.path)
        try:
            for beam in map(int, args.beams.split(",")):
                for batch in map(int, args.batch_sizes.split(",")):
                    inputs = {"text": np.array(sentences[:batch], dtype=object), **decoding_settings(beam, args.max_length)}
                    same = np.array_equal(session.run("translate", inputs)["translation"], endpoint(**inputs)["translation"])
                    in_process = time_calls(lambda: endpoint(**inputs), args.repeats, warmup=1)
                    served = time_calls(lambda: session.run("translate", inputs), args.repeats, warmup=1)
                    keras_rate, export_rate = in_process.per_second(batch), served.per_second(batch)
                    rows.append([beam, batch, f"{keras_rate:.1f}", f"{export_rate:.1f}", f"{export_rate / keras_rate:.2f}x",
                                 "yes" if same else "NO"])
        finally:
            session.close()
    print(f"{args.task} ({task.describe()}, {model.count_params():,} parameters, {origin}); export took "
          f"{export_seconds:.1f} s; held-out Bible verses, at most {args.max_length} output tokens; "
          f"{os.cpu_count()} CPU cores")
    print(markdown_table(["beam width", "batch", "in-process tf.function sentences/s", "exported, session loader sentences/s",
                          "export / in-process", "same translations"], rows))


if __name__ == "__main__":
    main()
