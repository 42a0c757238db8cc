"""Latency and throughput of a transformer-sized model: in-process vs REST vs gRPC, batching on/off.

    python -m bench.serving_latency [--seconds 3] [--batch-timeout-micros 2000] [--batch-threads N] [--max-batch-size M]
                                    [--intra-op-threads N] [--inter-op-threads N] [--model transformer|dense]

Builds a 2-layer keras-hub TransformerEncoder classifier (sequence 64, width 128; `--model dense`:
one Dense layer on the same input, so the server's own per-request cost dominates), exports it
with `keras.export.ExportArchive`, starts `python -m serving serve` twice on loopback (without
and with `--enable_batching`), and drives each with 1, 8 and 32 concurrent single-sequence
clients for a fixed time. The in-process baseline runs the same SavedModel with the same
session-based loader the server uses. Its full-batch calls give the compute ceiling that batching
can approach: 32 rows as one call, and as one call per batch thread running side by side (one
call rarely keeps every core busy). Prints one table; runs in about two and a half minutes.

Each cell also records the CPU time the server process and the load generator spent per request
(`/proc/<pid>/stat`, `time.process_time`), and the ceiling its CPU per row. The same run then
serves the dense model with batching at the top concurrency: what the server and the load
generator spend per request there is each protocol's own cost, its transport floor. A request
cannot cost less than that floor plus the ceiling's CPU per row, so with every core busy a
protocol reaches at most `cores / (floor + row)` requests/s; the last lines print that bound as a
share of the ceiling, with this load generator and with the client elsewhere. When a protocol's
floor bounds it below a target, no scheduling or batching setting can reach it.

The load generator shares the CPU with the server, so it does as little as it can, and the same
for both modes: each REST client thread sends one pre-encoded request over its own keep-alive
socket and reads the response by Content-Length; gRPC clients send one pre-serialized
`PredictRequest`. Before measuring, both answers are checked against `serving.client`'s.
"""
from __future__ import annotations

import argparse
import os
import json
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
from serving.server.model_server import size_thread_pools  # noqa: E402
from tensorflow_serving.apis import predict_pb2  # noqa: E402

SEQUENCE, VOCABULARY, WIDTH, LAYERS, HEADS, INTERMEDIATE = 64, 2000, 128, 2, 4, 512
CONCURRENCY = (1, 8, 32)
CEILING_ROWS = CONCURRENCY[-1]
CEILING_PREFIX = "in-process "
GRPC_ALONE = "grpcio alone"


def batching_parameters(max_batch_size: int, timeout_micros: int, threads: int) -> str:
    """The batching-parameters text proto the batching server runs with (allowed sizes 8, 16, ...)."""
    allowed = [size for size in (8, 16, 32, 64, 128) if size < max_batch_size] + [max_batch_size]
    return f"""
max_batch_size {{ value: {max_batch_size} }}
batch_timeout_micros {{ value: {timeout_micros} }}
max_enqueued_batches {{ value: 64 }}
num_batch_threads {{ value: {threads} }}
""" + "".join(f"allowed_batch_sizes: {size}\n" for size in allowed)


def dense_classifier() -> keras.Model:
    tokens = keras.Input((SEQUENCE,), dtype="int32", name="token_ids")
    return keras.Model(tokens, keras.layers.Dense(2)(keras.ops.cast(tokens, "float32")))


def transformer_classifier() -> keras.Model:
    tokens = keras.Input((SEQUENCE,), dtype="int32", name="token_ids")
    x = keras_hub.layers.TokenAndPositionEmbedding(VOCABULARY, SEQUENCE, WIDTH)(tokens)
    for _ in range(LAYERS):
        x = keras_hub.layers.TransformerEncoder(INTERMEDIATE, HEADS)(x)
    logits = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling1D()(x))
    return keras.Model(tokens, logits)


MODELS = {"transformer": transformer_classifier, "dense": dense_classifier}


def export(model: keras.Model, path: Path) -> Path:
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", lambda token_ids: {"logits": model(token_ids)},
                         input_signature=[tf.TensorSpec([None, SEQUENCE], tf.int32, name="token_ids")])
    archive.write_out(str(path), verbose=False)
    return path


def rest_caller(url: str, model_name: str, inputs: dict[str, np.ndarray]):
    """A call sending one pre-encoded `:predict` over a per-thread keep-alive socket; returns the body."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    body = json.dumps({"inputs": {name: value.tolist() for name, value in inputs.items()}}).encode()
    request = (f"POST /v1/models/{model_name}:predict HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    local = threading.local()

    def call() -> bytes:
        if not hasattr(local, "sock"):
            local.sock = socket.create_connection((host, int(port)))
            local.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local.sock.sendall(request)
        received = b""
        while (end := received.find(b"\r\n\r\n")) < 0:
            received += _receive(local.sock)
        head = received[:end].decode("latin-1")
        length = next(int(line.split(":", 1)[1]) for line in head.split("\r\n")
                      if line.lower().startswith("content-length:"))
        while len(received) < end + 4 + length:
            received += _receive(local.sock)
        if not head.startswith("HTTP/1.1 200"):
            raise RuntimeError(f"{head.splitlines()[0]}: {received[end + 4:].decode()}")
        return received[end + 4:end + 4 + length]

    return call


def _receive(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


def grpc_caller(target: str, model_name: str, inputs: dict[str, np.ndarray]):
    """A call sending one pre-serialized `PredictRequest`; returns the serialized response."""
    import grpc

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    payload = request.SerializeToString()
    predict = grpc.insecure_channel(target.removeprefix("grpc://")).unary_unary(
        "/tensorflow.serving.PredictionService/Predict")
    return lambda: predict(payload, timeout=30)


def check_callers(rest_url: str, grpc_target: str, inputs: dict[str, np.ndarray]) -> None:
    """The lean callers' answers equal `serving.client`'s (logits only: the model's one output)."""
    expected = serving_client.connect(rest_url, "encoder").predict(inputs)["logits"]
    rest = np.asarray(json.loads(rest_caller(rest_url, "encoder", inputs)())["outputs"], np.float32)
    grpc_response = predict_pb2.PredictResponse.FromString(grpc_caller(grpc_target, "encoder", inputs)())
    for answer in (rest, tf.make_ndarray(grpc_response.outputs["logits"])):
        np.testing.assert_allclose(answer, expected, rtol=1e-5, atol=1e-6)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used, all its threads (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(call, concurrency: int, seconds: float, server_pid: int | None = None) -> dict[str, float]:
    """Run `call` from `concurrency` threads for `seconds`; latencies in ms, throughput in req/s,
    and the CPU ms per call of this process (`client_cpu_ms`) and of process `server_pid`."""
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
    began, client_cpu = time.perf_counter(), time.process_time()
    server_cpu = process_cpu_seconds(server_pid) if server_pid else 0.0
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    per_call = 1e3 / len(latencies)
    cpu = {"client_cpu_ms": (time.process_time() - client_cpu) * per_call}
    if server_pid:
        cpu["server_cpu_ms"] = (process_cpu_seconds(server_pid) - server_cpu) * per_call
    latencies.sort()
    return {"p50": statistics.median(latencies), "p99": latencies[int(0.99 * (len(latencies) - 1))],
            "throughput": len(latencies) / elapsed, **cpu}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(base: Path, workdir: Path, batching: str | None,
                 session_threads: tuple[int, int] = (0, 0), grpc_threads: int = 0) -> tuple[subprocess.Popen, str, str]:
    """`python -m serving serve` on loopback; `session_threads` is (intra-op, inter-op), 0 for one per core;
    `grpc_threads` is `--grpc_max_threads` (0: the server's default)."""
    rest_port, grpc_port = free_port(), free_port()
    flags = [f"--port={grpc_port}", f"--rest_api_port={rest_port}", "--host=127.0.0.1", "--model_name=encoder",
             f"--model_base_path={base}"]
    if grpc_threads:
        flags.append(f"--grpc_max_threads={grpc_threads}")
    if any(session_threads):
        flags += [f"--tensorflow_intra_op_parallelism={session_threads[0]}",
                  f"--tensorflow_inter_op_parallelism={session_threads[1]}"]
    if batching:
        (workdir / "batching.config").write_text(batching)
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
    parser.add_argument("--batch-timeout-micros", type=int, default=2000, help="batching server's batch_timeout_micros")
    parser.add_argument("--batch-threads", type=int, default=os.cpu_count() or 1,
                        help="batching server's num_batch_threads (default: one per core, TF Serving's default)")
    parser.add_argument("--max-batch-size", type=int, default=CONCURRENCY[-1],
                        help="batching server's max_batch_size; allowed_batch_sizes are 8, 16, ... up to it")
    parser.add_argument("--model", choices=sorted(MODELS), default="transformer",
                        help="the served model; 'dense' is nearly free to run, so it measures the server itself")
    parser.add_argument("--grpc-max-threads", type=int, default=0,
                        help="the servers' --grpc_max_threads (0: its default, 4 per core as TF Serving's)")
    parser.add_argument("--intra-op-threads", type=int, default=0,
                        help="TensorFlow intra-op threads, in-process and in the servers "
                             "(--tensorflow_intra_op_parallelism); 0: one per core")
    parser.add_argument("--inter-op-threads", type=int, default=0,
                        help="TensorFlow inter-op threads, likewise (--tensorflow_inter_op_parallelism)")
    args = parser.parse_args(argv)
    session_threads = (args.intra_op_threads, args.inter_op_threads)
    threads = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=args.intra_op_threads,
                                       inter_op_parallelism_threads=args.inter_op_threads)
    size_thread_pools(threads)  # before the model is built: TensorFlow sizes its pools at the first op
    keras.utils.set_random_seed(0)
    tokens = np.random.default_rng(0).integers(1, VOCABULARY, size=(1, SEQUENCE), dtype=np.int32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        model = MODELS[args.model]()
        base = workdir / "encoder"
        export(model, base / "1")
        shape = f"{LAYERS} TransformerEncoder layers, width {WIDTH}" if args.model == "transformer" else "one Dense layer"
        print(f"model: {model.count_params():,} parameters, {shape}, sequence {SEQUENCE}; {os.cpu_count()} CPU cores",
              flush=True)
        print(f"batching: max_batch_size {args.max_batch_size}, batch_timeout_micros {args.batch_timeout_micros}, "
              f"num_batch_threads {args.batch_threads}; TensorFlow threads: intra-op "
              f"{args.intra_op_threads or 'one per core'}, inter-op {args.inter_op_threads or 'one per core'}",
              flush=True)
        loaded = SessionModel.load(base / "1", threads)
        for concurrency in CONCURRENCY:
            rows.append(("in-process", "-", concurrency,
                         measure(lambda: loaded.run("serving_default", {"token_ids": tokens}), concurrency, args.seconds)))
        for callers in sorted({1, min(args.batch_threads, CEILING_ROWS)}):
            batch = np.repeat(tokens, CEILING_ROWS // callers, axis=0)
            calls = measure(lambda: loaded.run("serving_default", {"token_ids": batch}), callers, args.seconds)
            rows.append((f"{CEILING_PREFIX}{len(batch)}-row calls", "-", callers,
                         {**calls, "throughput": calls["throughput"] * len(batch),
                          "client_cpu_ms": calls["client_cpu_ms"] / len(batch)}))
        loaded.close()
        for batching in (False, True):
            parameters = (batching_parameters(args.max_batch_size, args.batch_timeout_micros, args.batch_threads)
                          if batching else None)
            process, rest_url, grpc_target = start_server(base, workdir, parameters, session_threads, args.grpc_max_threads)
            try:
                check_callers(rest_url, grpc_target, {"token_ids": tokens})
                for protocol, caller in (("REST", rest_caller), ("gRPC", grpc_caller)):
                    target = rest_url if protocol == "REST" else grpc_target
                    for concurrency in CONCURRENCY:
                        call = caller(target, "encoder", {"token_ids": tokens})
                        result = measure(call, concurrency, args.seconds, process.pid)
                        rows.append(("batching" if batching else "no batching", protocol, concurrency, result))
                        print(f"  measured {rows[-1][0]} {protocol} c={concurrency}", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
        floors = transport_floors(workdir, args, session_threads, tokens)
    print_table(rows, floors)
    return 0


def transport_floors(workdir: Path, args: argparse.Namespace, session_threads: tuple[int, int],
                     tokens: np.ndarray) -> dict[str, tuple[float, float]]:
    """{protocol: (server, load generator) CPU ms per request} serving the dense model with
    batching at the top concurrency: what each protocol costs when the model costs nearly nothing;
    and under `GRPC_ALONE`, the same for `bench.grpc_echo_server` (grpcio with a handler that
    answers at once, as many threads as the model server's gRPC port)."""
    base = workdir / "dense"
    export(dense_classifier(), base / "1")
    parameters = batching_parameters(args.max_batch_size, args.batch_timeout_micros, args.batch_threads)
    process, rest_url, grpc_target = start_server(base, workdir, parameters, session_threads, args.grpc_max_threads)
    floors = {}
    try:
        for protocol, caller, target in (("REST", rest_caller, rest_url), ("gRPC", grpc_caller, grpc_target)):
            result = measure(caller(target, "encoder", {"token_ids": tokens}), CONCURRENCY[-1], args.seconds, process.pid)
            floors[protocol] = (result["server_cpu_ms"], result["client_cpu_ms"])
            print(f"  measured the transport floor of {protocol}", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    port = free_port()
    threads = args.grpc_max_threads or grpc_default_threads()
    echo = subprocess.Popen([sys.executable, "-m", "bench.grpc_echo_server", str(port), str(threads)])
    try:
        call = grpc_echo_caller(f"127.0.0.1:{port}")
        result = measure(call, CONCURRENCY[-1], args.seconds, echo.pid)
        floors[GRPC_ALONE] = (result["server_cpu_ms"], result["client_cpu_ms"])
    finally:
        echo.terminate()
        echo.wait(timeout=30)
    return floors


def grpc_default_threads() -> int:
    """The model server's default `--grpc_max_threads`."""
    from serving.server.flags import FLAGS

    return next(flag.default for flag in FLAGS if flag.name == "grpc_max_threads")


def grpc_echo_caller(target: str):
    """A call to `bench.grpc_echo_server`, once it answers (it starts in about a second)."""
    import grpc

    from bench.grpc_echo_server import METHOD

    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=60)
    call = channel.unary_unary(METHOD)
    return lambda: call(b"y" * 64, timeout=30)


def print_table(rows: list[tuple[str, str, int, dict[str, float]]], floors: dict[str, tuple[float, float]]) -> None:
    by_key = {(mode, protocol, c): r for mode, protocol, c, r in rows}
    in_process = {c: by_key[("in-process", "-", c)] for c in CONCURRENCY}
    print(f"\n{'mode':<23} {'protocol':<8} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'rows/s':>8} "
          f"{'overhead p50 ms':>16} {'x no batching':>14}")
    for mode, protocol, concurrency, result in rows:
        overhead = f"{result['p50'] - in_process[1]['p50']:.2f}" if protocol != "-" and concurrency == 1 else ""
        speedup = ""
        if mode == "batching":
            speedup = f"{result['throughput'] / by_key[('no batching', protocol, concurrency)]['throughput']:.2f}"
        print(f"{mode:<23} {protocol:<8} {concurrency:>4} {result['p50']:>8.2f} {result['p99']:>8.2f} "
              f"{result['throughput']:>8.1f} {overhead:>16} {speedup:>14}")
    ceilings = [(result["throughput"], mode, concurrency) for mode, _, concurrency, result in rows
                if mode.startswith(CEILING_PREFIX) and mode.endswith("-row calls")]
    ceiling, ceiling_mode, ceiling_callers = max(ceilings)
    print(f"\nat concurrency {CONCURRENCY[-1]} (target: batching >= 2.5x no batching):")
    for protocol in ("REST", "gRPC"):
        unbatched = by_key[("no batching", protocol, CONCURRENCY[-1])]["throughput"]
        batched = by_key[("batching", protocol, CONCURRENCY[-1])]["throughput"]
        print(f"  {protocol:<5} batching {batched / unbatched:.2f}x no batching; the compute ceiling "
              f"({ceiling_mode.removeprefix(CEILING_PREFIX)} in-process, {ceiling_callers} at a time) is "
              f"{ceiling / unbatched:.2f}x, of which batching reaches {batched / ceiling:.0%}")
    row = by_key[(ceiling_mode, "-", ceiling_callers)]["client_cpu_ms"]
    cores = os.cpu_count() or 1
    print(f"\nCPU ms per request, batching at concurrency {CONCURRENCY[-1]}: the ceiling spends {row:.3f} per row; "
          f"the highest share of the ceiling a protocol's floor allows with all {cores} cores busy:")
    for protocol in ("REST", "gRPC"):
        result = by_key[("batching", protocol, CONCURRENCY[-1])]
        server, client = floors[protocol]
        print(f"  {protocol:<5} spent server {result['server_cpu_ms']:.3f} + load generator {result['client_cpu_ms']:.3f}; "
              f"its floor (dense model) is {server:.3f} + {client:.3f}: at most "
              f"{reachable_share(server + client + row, cores, ceiling):.0%} with this load generator, "
              f"{reachable_share(server + row, cores, ceiling):.0%} with the client elsewhere; "
              f"reached {result['throughput'] / ceiling:.0%}")
    server, client = floors[GRPC_ALONE]
    print(f"  {GRPC_ALONE} (bench.grpc_echo_server: a handler that answers at once) costs {server:.3f} + {client:.3f}: "
          f"at most {reachable_share(server + client + row, cores, ceiling):.0%} with this load generator, "
          f"{reachable_share(server + row, cores, ceiling):.0%} with the client elsewhere")


def reachable_share(cpu_ms_per_request: float, cores: int, ceiling: float) -> float:
    """The share of `ceiling` rows/s that `cores` fully busy allow at `cpu_ms_per_request` (at most 1)."""
    return min(1.0, cores * 1e3 / cpu_ms_per_request / ceiling)


if __name__ == "__main__":
    sys.exit(main())
