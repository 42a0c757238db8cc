"""Requests per second of the BERT `classify` endpoint: exported (the session-based loader TF
Serving uses) vs in-process, at batch 1 and 32, on the default MiniLM classifier (untrained
weights: speed does not depend on them). Bounded to about two minutes on 2 cores.

    python -m bench.bert_classify [--repeats 20]
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


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.bert_classify", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    task = zoo.get_task("bert_sentiment")
    model = task.build_model()
    endpoint = task.endpoints(model)[0]
    tweets = task.split.test.texts
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        result = export(model, [endpoint], Path(tmp) / "bert_sentiment", verify=False)
        session = SessionModel.load(result.path)
        try:
            for batch_size in (1, 32):
                batch = np.array(tweets[:batch_size], dtype=object)
                repeats = max(3, args.repeats // (4 if batch_size > 1 else 1))
                in_process = time_calls(lambda: endpoint(text=batch), repeats)
                served = time_calls(lambda: session.run("classify", {"text": batch}), repeats)
                rows.append([batch_size, f"{in_process.per_second(batch_size):.1f}", f"{served.per_second(batch_size):.1f}",
                             f"{served.per_second(batch_size) / in_process.per_second(batch_size):.2f}x"])
        finally:
            session.close()
    print(markdown_table(["batch", "in-process texts/s", "exported (session loader) texts/s", "exported / in-process"], rows))


if __name__ == "__main__":
    main()
