"""Latency and throughput of a transformer-sized model: in-process vs REST vs gRPC, batching on/off.

    python -m bench.serving_latency [--seconds 3]

Builds a 2-layer keras-hub TransformerEncoder classifier (sequence 64, width 128), exports it
with `keras.export.ExportArchive`, starts `python -m serving serve` twice on loopback (without
and with `--enable_batching`), and drives each with 1, 8 and 32 concurrent single-sequence
clients for a fixed time. The in-process baseline runs the same SavedModel with the same
session-based loader the server uses. Prints one table; runs in about two minutes.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from serving import client as serving_client  # noqa: E402
from serving.saved_model import SessionModel  # noqa: E402

SEQUENCE, VOCABULARY, WIDTH, LAYERS, HEADS, INTERMEDIATE = 64, 2000, 128, 2, 4, 512
CONCURRENCY = (1, 8, 32)
BATCHING = """
max_batch_size { value: 32 }
batch_timeout_micros { value: 2000 }
max_enqueued_batches { value: 64 }
num_batch_threads { value: 1 }
allowed_batch_sizes: 8
allowed_batch_sizes: 16
allowed_batch_sizes: 32
"""


def transformer_classifier() -> keras.Model:
    tokens = keras.Input((SEQUENCE,), dtype="int32", name="token_ids")
    x = keras_hub.layers.TokenAndPositionEmbedding(VOCABULARY, SEQUENCE, WIDTH)(tokens)
    for _ in range(LAYERS):
        x = keras_hub.layers.TransformerEncoder(INTERMEDIATE, HEADS)(x)
    logits = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling1D()(x))
    return keras.Model(tokens, logits)


def export(model: keras.Model, path: Path) -> Path:
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", lambda token_ids: {"logits": model(token_ids)},
                         input_signature=[tf.TensorSpec([None, SEQUENCE], tf.int32, name="token_ids")])
    archive.write_out(str(path), verbose=False)
    return path


def measure(call, concurrency: int, seconds: float) -> dict[str, float]:
    """Run `call` from `concurrency` threads for `seconds`; latencies in ms, throughput in req/s."""
    latencies: list[float] = []
    lock, deadline = threading.Lock(), time.perf_counter() + seconds
    for _ in range(3):
        call()

    def worker() -> None:
        local = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            call()
            local.append((time.perf_counter() - started) * 1e3)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"p50": statistics.median(latencies), "p99": latencies[int(0.99 * (len(latencies) - 1))],
            "throughput": len(latencies) / elapsed}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(base: Path, workdir: Path, batching: bool) -> tuple[subprocess.Popen, str, str]:
    rest_port, grpc_port = free_port(), free_port()
    flags = [f"--port={grpc_port}", f"--rest_api_port={rest_port}", "--host=127.0.0.1", "--model_name=encoder",
             f"--model_base_path={base}"]
    if batching:
        (workdir / "batching.config").write_text(BATCHING)
        flags += ["--enable_batching", f"--batching_parameters_file={workdir / 'batching.config'}"]
    log = (workdir / f"server-{rest_port}.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "serving", "serve", *flags], stdout=log,
                               stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    url = f"http://127.0.0.1:{rest_port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/v1/models/encoder", timeout=2).read()
            return process, url, f"grpc://127.0.0.1:{grpc_port}"
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("server exited; see " + log.name)
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per cell")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    tokens = np.random.default_rng(0).integers(1, VOCABULARY, size=(1, SEQUENCE), dtype=np.int32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        model = transformer_classifier()
        base = workdir / "encoder"
        export(model, base / "1")
        print(f"model: {model.count_params():,} parameters, {LAYERS} TransformerEncoder layers, "
              f"sequence {SEQUENCE}, width {WIDTH}; {os.cpu_count()} CPU cores", flush=True)
        loaded = SessionModel.load(base / "1")
        for concurrency in CONCURRENCY:
            rows.append(("in-process", "-", concurrency,
                         measure(lambda: loaded.run("serving_default", {"token_ids": tokens}), concurrency, args.seconds)))
        loaded.close()
        for batching in (False, True):
            process, rest_url, grpc_target = start_server(base, workdir, batching)
            try:
                for protocol, target in (("REST", rest_url), ("gRPC", grpc_target)):
                    client = serving_client.connect(target, "encoder")
                    for concurrency in CONCURRENCY:
                        result = measure(lambda: client.predict({"token_ids": tokens}), concurrency, args.seconds)
                        rows.append(("batching" if batching else "no batching", protocol, concurrency, result))
                        print(f"  measured {rows[-1][0]} {protocol} c={concurrency}", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
    print_table(rows)
    return 0


def print_table(rows: list[tuple[str, str, int, dict[str, float]]]) -> None:
    by_key = {(mode, protocol, c): r for mode, protocol, c, r in rows}
    in_process = {c: by_key[("in-process", "-", c)] for c in CONCURRENCY}
    print(f"\n{'mode':<12} {'protocol':<8} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} "
          f"{'overhead p50 ms':>16} {'x no batching':>14}")
    for mode, protocol, concurrency, result in rows:
        overhead = "" if mode == "in-process" else f"{result['p50'] - in_process[1]['p50']:.2f}" if concurrency == 1 else ""
        speedup = ""
        if mode == "batching":
            speedup = f"{result['throughput'] / by_key[('no batching', protocol, concurrency)]['throughput']:.2f}"
        print(f"{mode:<12} {protocol:<8} {concurrency:>4} {result['p50']:>8.2f} {result['p99']:>8.2f} "
              f"{result['throughput']:>8.1f} {overhead:>16} {speedup:>14}")


if __name__ == "__main__":
    sys.exit(main())
