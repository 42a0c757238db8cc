"""Images per second of the `classify` endpoint of `image_classifier` (EfficientNet-Lite0, the
published ImageNet weights): exported and run by TF Serving's session-based loader vs in-process
(the endpoint's `tf.function` over the Keras model), batch 1 and 16, with the ratio.

Inputs are the labelled sample photos (JPEG and PNG, 300 px to 1.5k px wide), repeated to fill a
batch, so in-graph decoding, cropping and resizing are included.

    python -m bench.classify [--repeats 20]
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

TASK = "image_classifier"
BATCH_SIZES = (1, 16)


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    task = zoo.get_task(TASK)
    model = task.build_model()
    endpoint = task.endpoints(model)[0]
    photos = task.split.test.image_bytes
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        session = SessionModel.load(export(model, [endpoint], Path(tmp) / TASK, verify=False).path)
        try:
            for batch_size in BATCH_SIZES:
                inputs = {"image_bytes": np.resize(photos, batch_size).astype(object)}
                in_process = time_calls(lambda: endpoint(**inputs), args.repeats)
                served = time_calls(lambda: session.run("classify", inputs), args.repeats)
                rows.append([batch_size, f"{in_process.per_second(batch_size):.1f}", f"{served.per_second(batch_size):.1f}",
                             f"{in_process.median_ms / served.median_ms:.2f}x"])
        finally:
            session.close()
    print(f"{TASK}: EfficientNet-Lite0 at {task.config.image_size} px, {os.cpu_count()} CPU cores")
    print(markdown_table(["batch", "in-process images/s", "exported images/s", "exported / in-process speed"], rows))


if __name__ == "__main__":
    main()
