"""Export time, and exported vs in-process inference latency, for the autoencoders.

For each kind: train nothing (weights do not change speed), export with verification and
without, then time the same batch through the in-process endpoint (a `tf.function` over the
Keras model), Keras `predict_on_batch`, the session-based loader TF Serving uses, and
`tf.saved_model.load`. Prints milliseconds per call and ratios to the in-process endpoint.

    python -m bench.autoencoder_export [--repeats 50]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from bench.timing import time_calls  # noqa: E402
from serving.export.exporter import export  # noqa: E402
from serving.saved_model import SessionModel  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402

KINDS = ("dense_autoencoder", "conv_autoencoder", "variational_autoencoder")


def bench_task(name: str, root: Path, repeats: int, batch_sizes: tuple[int, ...]) -> list[list[object]]:
    task = zoo.get_task(name)
    model = task.build_model()
    endpoints = task.endpoints(model)
    started = time.perf_counter()
    export(model, endpoints, root / name / "fast", verify=False)
    export_fast = time.perf_counter() - started
    verified = export(model, endpoints, root / name / "verified")
    session_model = SessionModel.load(verified.path)
    signature = tf.saved_model.load(str(verified.path)).signatures["serving_default"]
    rows = []
    images = task.split.test.images
    for batch_size in batch_sizes:
        batch = images[:batch_size]
        tensor = tf.constant(batch)
        in_process = time_calls(lambda: endpoints[0](images=batch), repeats)
        keras_predict = time_calls(lambda: model.predict_on_batch(batch), repeats)
        session = time_calls(lambda: session_model.run("serving_default", {"images": batch}), repeats)
        loaded = time_calls(lambda: signature(images=tensor), repeats)
        base = in_process.median_ms
        rows.append([
            name, batch_size, f"{export_fast:.2f}", f"{verified.seconds:.2f}",
            f"{base:.3f}", f"{keras_predict.median_ms:.3f}", f"{session.median_ms:.3f}", f"{loaded.median_ms:.3f}",
            f"{session.median_ms / base:.2f}x", f"{loaded.median_ms / base:.2f}x",
        ])
    session_model.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.autoencoder_export", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    header = ["task", "batch", "export s", "export+verify s", "in-process ms", "keras predict ms",
              "session loader ms", "saved_model.load ms", "session / in-process", "load / in-process"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in KINDS:
            rows += bench_task(name, Path(tmp), args.repeats, (1, 64))
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
