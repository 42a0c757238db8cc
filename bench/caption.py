"""Images per second of the `caption` endpoint: exported (TF Serving's session-based loader)
vs in-process (the endpoint's `tf.function` over the Keras model), batch 1 and 16, greedy and
beam search, with the exported / in-process ratio.

Uses the trained run in `--workdir` if there is one (caption lengths, and so decoding steps,
depend on the weights), else an untrained model of the default config, and says which.
Inputs are the held-out PNG renders, so in-graph decoding and resizing are included.

    python -m bench.caption [--workdir models] [--repeats 20]
"""
from __future__ import annotations

import argparse
import os
import tempfile
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

TASK = "image_captioning"
BATCH_SIZES = (1, 16)


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.caption", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="models", help="where a trained image_captioning run may live")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    if run_directory(args.workdir, TASK).model.is_file():
        task, model = load_trained(TASK, args.workdir)
        weights = f"trained run in {args.workdir}"
    else:
        task = zoo.get_task(TASK)
        model = task.build_model()
        weights = "untrained (no trained run found): captions run to the full length"
    endpoint = task.endpoints(model)[0]
    files = task.split.test.files
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        result = export(model, [endpoint], Path(tmp) / TASK, verify=False)
        session = SessionModel.load(result.path)
        try:
            for beam_width in (1, task.config.beam_width):
                for batch_size in BATCH_SIZES:
                    inputs = {"image_bytes": np.array([Path(f).read_bytes() for f in files[:batch_size]], dtype=object),
                              "beam_width": np.array(beam_width, "int32")}
                    in_process = time_calls(lambda: endpoint(**inputs), args.repeats)
                    served = time_calls(lambda: session.run("caption", inputs), args.repeats)
                    rows.append([
                        "greedy" if beam_width == 1 else f"beam {beam_width}", batch_size,
                        f"{in_process.per_second(batch_size):.1f}", f"{served.per_second(batch_size):.1f}",
                        f"{in_process.median_ms / served.median_ms:.2f}x",
                    ])
        finally:
            session.close()
    print(f"{TASK}: {weights}; {task.config.image_size} px, {os.cpu_count()} CPU cores")
    print(markdown_table(["decoding", "batch", "in-process images/s", "exported images/s", "exported / in-process speed"], rows))


if __name__ == "__main__":
    main()
