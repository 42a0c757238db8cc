"""Every flag of `tensorflow_model_server`, with its type and default, and what it does here.

TF Serving's `main.cc` (tensorflow/serving, tensorflow_serving/model_servers/main.cc:66-311)
declares 48 flags; their defaults are `Server::Options` (model_servers/server.h:48-120). The
local server accepts all of them. A flag is either honoured, or accepted with the reason it has
no effect here, which `warn_ignored` logs when a command line sets it to something other than
its default. Unknown arguments are logged and skipped, as the real server prints
"unknown argument" and runs on (main.cc:333-335).

    parser = build_parser()
    args, unknown = parser.parse_known_args(["--port=8500", "--grpc_channel_arguments=a=1"])
    warn_ignored(args, log)
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from typing import Any, Callable

HONOURED = ""
LOCAL_CPUS = os.cpu_count() or 1


def flag_bool(text: str) -> bool:
    """TensorFlow's bool flag values: true/false, 1/0 (and yes/no, as before here)."""
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


@dataclasses.dataclass(frozen=True)
class Flag:
    """One `tensorflow_model_server` flag: name, C++ type, default, and why it has no effect ('' if honoured)."""

    name: str
    kind: str
    default: Any
    no_effect: str = HONOURED
    help: str = ""

    @property
    def parse(self) -> Callable[[str], Any]:
        return {"bool": flag_bool, "int32": int, "int64": int, "float": float, "string": str}[self.kind]


FLAGS: tuple[Flag, ...] = (
    Flag("port", "int32", 8500, help="gRPC port; 0 disables the TCP gRPC port"),
    Flag("grpc_socket_path", "string", "", help="also serve gRPC on this Unix socket"),
    Flag("rest_api_port", "int32", 0, help="REST port; 0 disables REST"),
    Flag("rest_api_num_threads", "int32", 4 * LOCAL_CPUS,
         "the REST port runs on one event loop; model calls use the session thread pool"),
    Flag("rest_api_timeout_in_ms", "int32", 30000, help="REST requests time out after this long (HTTP 504)"),
    Flag("rest_api_enable_cors_support", "bool", False, help="CORS headers and preflight answers on REST"),
    Flag("enable_batching", "bool", False),
    Flag("allow_version_labels_for_unavailable_models", "bool", False,
         help="allow labels in a config for versions not loaded yet"),
    Flag("batching_parameters_file", "string", ""),
    Flag("enable_per_model_batching_parameters", "bool", False,
         "per-model batching_params.pbtxt files are not read; --batching_parameters_file applies to every model"),
    Flag("model_config_file", "string", ""),
    Flag("model_config_file_poll_wait_seconds", "float", 0),
    Flag("model_name", "string", "default"),
    Flag("model_base_path", "string", ""),
    Flag("num_load_threads", "int32", 0, help="threads that load versions; 0 loads them one at a time in the polling thread"),
    Flag("num_unload_threads", "int32", 0, "each unload runs in its own short-lived thread"),
    Flag("max_num_load_retries", "int32", 5, help="retries of a failing load before giving up"),
    Flag("load_retry_interval_micros", "int64", 60 * 1000 * 1000, help="wait between load retries"),
    Flag("file_system_poll_wait_seconds", "float", 1),
    Flag("flush_filesystem_caches", "bool", True, "there are no TensorFlow file-system caches to flush here"),
    Flag("tensorflow_session_parallelism", "int64", 0, help="threads for each session's op pools (0: TensorFlow picks)"),
    Flag("tensorflow_session_config_file", "string", "",
         "session ConfigProto files are not read; use the --tensorflow_*_parallelism flags"),
    Flag("tensorflow_intra_op_parallelism", "int64", 0, help="threads to parallelize one op (0: TensorFlow picks)"),
    Flag("tensorflow_inter_op_parallelism", "int64", 0, help="threads to run independent ops (0: TensorFlow picks)"),
    Flag("use_alts_credentials", "bool", False, "gRPC is served without credentials (loopback use)"),
    Flag("ssl_config_file", "string", "", "gRPC is served without TLS (loopback use)"),
    Flag("platform_config_file", "string", "", "only the TensorFlow platform is served"),
    Flag("per_process_gpu_memory_fraction", "float", 0.0, "the local server does not manage GPU memory"),
    Flag("saved_model_tags", "string", "serve", "the MetaGraph tagged 'serve' is always loaded"),
    Flag("grpc_channel_arguments", "string", "", help="comma-separated key=value gRPC server arguments"),
    Flag("grpc_max_threads", "int32", 4 * LOCAL_CPUS, help="gRPC worker threads"),
    Flag("enable_model_warmup", "bool", True),
    Flag("num_request_iterations_for_warmup", "int32", 0, help="times each warmup record is replayed (if > 0)"),
    Flag("version", "bool", False, help="print the version and exit"),
    Flag("monitoring_config_file", "string", ""),
    Flag("remove_unused_fields_from_bundle_metagraph", "bool", True,
         "metadata keeps the MetaGraph's signature defs either way"),
    Flag("prefer_tflite_model", "bool", False, "TensorFlow Lite models are not served; saved_model.pb is loaded"),
    Flag("num_tflite_pools", "int32", LOCAL_CPUS, "TensorFlow Lite models are not served"),
    Flag("num_tflite_interpreters_per_pool", "int32", 1, "TensorFlow Lite models are not served"),
    Flag("enable_signature_method_name_check", "bool", False,
         help="classify/regress require the signature's method_name"),
    Flag("xla_cpu_compilation_enabled", "bool", False, "XLA JIT is left as TensorFlow configures it"),
    Flag("xla_gpu_compilation_enabled", "bool", False, "XLA JIT is left as TensorFlow configures it"),
    Flag("enable_profiler", "bool", True, "the profiler gRPC service is not served"),
    Flag("thread_pool_factory_config_file", "string", "", "custom thread pool factories are not supported"),
    Flag("mixed_precision", "string", "", "models run in the precision they were saved in"),
    Flag("skip_initialize_tpu", "bool", False, "there is no TPU here"),
    Flag("enable_grpc_healthcheck_service", "bool", False, "the gRPC health service is not served"),
    Flag("enable_serialization_as_tensor_content", "bool", False,
         help="write gRPC predict outputs as tensor_content instead of the typed *_val fields"),
)

LOCAL_FLAGS: tuple[Flag, ...] = (
    Flag("host", "string", "127.0.0.1", help="address to bind (TF Serving: every interface); local only"),
    Flag("rest_api_max_request_bytes", "int64", 256 * 1024 * 1024,
         help="REST bodies over this get HTTP 413; local only"),
)


def build_parser() -> argparse.ArgumentParser:
    """A parser with every TF Serving flag (`--name=value` or `--name value`; bools also bare `--name`)."""
    parser = argparse.ArgumentParser(prog="python -m serving serve", allow_abbrev=False,
                                     description="A local model server with tensorflow_model_server's flags.")
    for flag in FLAGS + LOCAL_FLAGS:
        text = flag.help or (f"accepted, no effect here: {flag.no_effect}" if flag.no_effect else "")
        text = f"{text} (default: {flag.default!r})".strip()
        if flag.kind == "bool":
            parser.add_argument(f"--{flag.name}", type=flag_bool, nargs="?", const=True, default=flag.default,
                                help=text)
        else:
            parser.add_argument(f"--{flag.name}", type=flag.parse, default=flag.default, help=text)
    return parser


def warn_ignored(args: argparse.Namespace, log: logging.Logger) -> list[str]:
    """Log each flag set away from its default that has no effect here; returns their names."""
    ignored = []
    for flag in FLAGS:
        if flag.no_effect and getattr(args, flag.name) != flag.default:
            log.warning("--%s=%s is accepted but has no effect here: %s", flag.name, getattr(args, flag.name),
                        flag.no_effect)
            ignored.append(flag.name)
    return ignored


def grpc_channel_arguments(text: str) -> list[tuple[str, int | str]]:
    """`a=1,b=x` as gRPC options, values as int when they parse as int32 (main.cc's parseGrpcChannelArgs)."""
    options: list[tuple[str, int | str]] = []
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        try:
            number = int(value)
            options.append((key, number) if -(1 << 31) <= number < (1 << 31) else (key, value))
        except ValueError:
            options.append((key, value))
    return options
