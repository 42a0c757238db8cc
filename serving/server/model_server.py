"""`python -m serving serve`: a local model server with `tensorflow_model_server`'s flags.

    python -m serving serve --port=8500 --rest_api_port=8501 \\
        --model_name=conv_autoencoder --model_base_path=$PWD/exports/conv_autoencoder
    python -m serving serve --rest_api_port=8501 --model_config_file=exports/models.config \\
        --enable_batching --batching_parameters_file=deploy/batching.config \\
        --monitoring_config_file=deploy/monitoring.config

Every flag of the real server is accepted (`serving.server.flags`); those with no effect here say so in
the log. Two additions: `--host` (default 127.0.0.1; TF Serving always binds every interface),
and `--rest_api_max_request_bytes`.
"""
from __future__ import annotations

import argparse
import functools
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from serving.server import flags
from serving.server.batching import BatchingOptions, BatchScheduler
from serving.server.config_protos import BatchingParameters, MonitoringConfig, parse_text_proto
from serving.server.inference import replay_warmup
from serving.server.metrics import REGISTRY
from serving.server.flags import build_parser
from serving.server.model_manager import ManagerOptions, ModelManager
from serving.server.rest_api import RestApi, start_rest_server
from serving.server.grpc_services import start_grpc_server
from serving.server.servable import LoadedVersion

log = logging.getLogger("serving.server.model_server")
DEFAULT_METRICS_PATH = "/monitoring/prometheus/metrics"


def manager_options(args: argparse.Namespace) -> ManagerOptions:
    """The ServerCore options that flags set: load threads and retries, label checks, the method-name check."""
    return ManagerOptions(
        max_num_load_retries=max(0, args.max_num_load_retries),
        load_retry_interval_seconds=max(0.0, args.load_retry_interval_micros / 1e6),
        allow_version_labels_for_unavailable_models=args.allow_version_labels_for_unavailable_models,
        enable_signature_method_name_check=args.enable_signature_method_name_check,
        num_load_threads=max(0, args.num_load_threads),
    )


def model_server_config(args: argparse.Namespace) -> model_server_config_pb2.ModelServerConfig:
    """The config from --model_config_file, or one model from --model_name/--model_base_path."""
    if args.model_config_file:
        return read_model_server_config(args.model_config_file)
    if not args.model_base_path:
        raise ValueError("Both server_model_config_file and model_base_path are empty!")
    config = model_server_config_pb2.ModelServerConfig()
    config.model_config_list.config.add(name=args.model_name, base_path=str(Path(args.model_base_path).resolve()),
                                        model_platform="tensorflow")
    return config


def read_model_server_config(path: str | Path) -> model_server_config_pb2.ModelServerConfig:
    """Parse a config file; errors read as TF Serving's (protobuf's text parser, then main.cc's)."""
    config = model_server_config_pb2.ModelServerConfig()
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise ValueError(f"cannot read model config {path}: {error.strerror}") from error
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as error:
        where = f"{error.GetLine()}:{error.GetColumn()}" if error.GetLine() is not None else "0:0"
        message = str(error).split(" : ", 1)[-1]
        raise ValueError(f"Error parsing text-format tensorflow.serving.ModelServerConfig: {where}: {message}\n"
                         f"Invalid protobuf file: '{path}'") from error
    return config


def session_config(args: argparse.Namespace) -> tf.compat.v1.ConfigProto:
    """The session thread pools, by TF Serving's rules: intra/inter-op if either is set, else session."""
    intra, inter, both = (args.tensorflow_intra_op_parallelism, args.tensorflow_inter_op_parallelism,
                          args.tensorflow_session_parallelism)
    if intra > 0 and inter > 0 and both > 0:
        raise ValueError("Either configure server_options.tensorflow_session_parallelism or "
                         "(server_options.tensorflow_intra_op_parallelism, "
                         "server_options.tensorflow_inter_op_parallelism) separately. You cannot configure all.")
    if intra > 0 or inter > 0:
        return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=intra, inter_op_parallelism_threads=inter)
    return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=both, inter_op_parallelism_threads=both)


def size_thread_pools(config: tf.compat.v1.ConfigProto) -> None:
    """Give TensorFlow's process-wide thread pools the sizes in `config`.

    Sessions share those pools, and TensorFlow sizes them once, at its first op; setting them
    here makes the flags hold whatever the process ran before loading a model, or fail loudly.
    """
    try:
        tf.config.threading.set_intra_op_parallelism_threads(config.intra_op_parallelism_threads)
        tf.config.threading.set_inter_op_parallelism_threads(config.inter_op_parallelism_threads)
    except RuntimeError as error:
        raise ValueError(f"TensorFlow already sized its thread pools in this process, so the session thread "
                         f"flags cannot apply; start the server in a fresh process ({error})") from error
    log.info("TensorFlow thread pools: intra-op %s, inter-op %s",
             tf.config.threading.get_intra_op_parallelism_threads() or "one per core",
             tf.config.threading.get_inter_op_parallelism_threads() or "one per core")


def batch_scheduler(args: argparse.Namespace) -> BatchScheduler | None:
    if not args.enable_batching:
        return None
    options = BatchingOptions()
    if args.batching_parameters_file:
        options = BatchingOptions.from_proto(parse_text_proto(args.batching_parameters_file, BatchingParameters))
    log.info("Batching enabled: %s", options)
    return BatchScheduler(options, on_batch=_record_batch)


def _record_batch(model_name: str, size: int, padding: int) -> None:
    REGISTRY.batch_size.observe(size, model_name=model_name)
    REGISTRY.padding_size.observe(padding, model_name=model_name)


def metrics_path(args: argparse.Namespace) -> str | None:
    if not args.monitoring_config_file:
        return None
    config = parse_text_proto(args.monitoring_config_file, MonitoringConfig)
    if not config.prometheus_config.enable:
        return None
    return config.prometheus_config.path or DEFAULT_METRICS_PATH


def timed_warmup(version: LoadedVersion, iterations: int = 1) -> int:
    started = time.perf_counter()
    try:
        count = replay_warmup(version, iterations)
    except Exception:
        REGISTRY.warmup_latency.observe((time.perf_counter() - started) * 1e6, model_path=str(version.path),
                                        status="ERROR")
        raise
    REGISTRY.warmup_latency.observe((time.perf_counter() - started) * 1e6, model_path=str(version.path), status="OK")
    if count:
        log.info("Finished reading warmup data for model at %s. Number of warmup records read: %d.", version.path, count)
    return count


def _watch_config_file(manager: ModelManager, path: str, interval: float, stop: threading.Event) -> None:
    last = Path(path).read_text()
    while not stop.wait(interval):
        try:
            text = Path(path).read_text()
            if text != last:
                manager.apply_config(read_model_server_config(path))
                last = text
                log.info("Applied the changed model config file %s", path)
        except Exception:
            log.exception("could not apply model config file %s", path)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args, unknown = build_parser().parse_known_args(argv)
    if args.version:
        print(f"TensorFlow ModelServer: local (python -m serving serve)\nTensorFlow Library: {tf.__version__}")
        return 0
    for argument in unknown:
        log.warning("unknown argument: %s", argument)
    flags.warn_ignored(args, log)
    try:
        if args.port == 0 and not args.grpc_socket_path:
            raise ValueError("At least one of server_options.grpc_port or server_options.grpc_socket_path must be set.")
        config = model_server_config(args)
        threads = session_config(args)
        size_thread_pools(threads)
        scheduler = batch_scheduler(args)
        path = metrics_path(args)
    except ValueError as error:
        log.error("%s", error)
        return 2
    warmup = functools.partial(timed_warmup, iterations=max(1, args.num_request_iterations_for_warmup))
    manager = ModelManager(scheduler, warmup if args.enable_model_warmup else None, threads,
                           options=manager_options(args))
    try:
        manager.apply_config(config)
        failed = manager.unavailable_models()
        if failed:  # TF Serving does not start then (server_core.cc:340-362)
            raise ValueError(f"{len(failed)} model(s) did not become available: {{{', '.join(failed)}}}")
    except Exception as error:
        log.error("Failed to start server. Error: %s", getattr(error, "message", error))
        manager.stop()
        return 2
    grpc_server = start_grpc_server(manager, args.host, args.port, socket_path=args.grpc_socket_path,
                                    options=flags.grpc_channel_arguments(args.grpc_channel_arguments),
                                    max_workers=max(1, args.grpc_max_threads),
                                    tensor_content=args.enable_serialization_as_tensor_content)
    if args.port:
        log.info("Running gRPC ModelServer at %s:%d ...", args.host, args.port)
    if args.grpc_socket_path:
        log.info("Running gRPC ModelServer at UNIX socket %s ...", args.grpc_socket_path)
    rest_server = None
    if args.rest_api_port and args.rest_api_port == args.port:
        log.error("server_options.http_port cannot be same as grpc_port. Please use a different port for HTTP/REST "
                  "API. Skipped exporting HTTP/REST API.")
    elif args.rest_api_port:
        api = RestApi(manager, path, cors=args.rest_api_enable_cors_support,
                      timeout_seconds=args.rest_api_timeout_in_ms / 1000)
        rest_server = start_rest_server(api, args.host, args.rest_api_port, args.rest_api_max_request_bytes)
        log.info("Exporting HTTP/REST API at:%s:%d ...", args.host, args.rest_api_port)
    manager.start_polling(args.file_system_poll_wait_seconds)
    stop = threading.Event()
    if args.model_config_file and args.model_config_file_poll_wait_seconds > 0:
        threading.Thread(target=_watch_config_file, daemon=True, name="config-file-poller", args=(
            manager, args.model_config_file, args.model_config_file_poll_wait_seconds, stop)).start()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    log.info("Shutting down")
    if rest_server is not None:
        rest_server.shutdown()
    grpc_server.stop(grace=2).wait()
    manager.stop()
    if scheduler is not None:
        scheduler.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
