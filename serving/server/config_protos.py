"""TF Serving's batching and monitoring config messages, which `tensorflow-serving-api` omits.

The pip package ships `model_server_config.proto` but not `session_bundle_config.proto`
(`BatchingParameters`) nor `monitoring_config.proto`. These are the same messages, with the same
package, names and field numbers, built from descriptors, so a `--batching_parameters_file` or
`--monitoring_config_file` written for `tensorflow_model_server` parses here unchanged.

    params = parse_text_proto("batching.config", BatchingParameters)
    params.max_batch_size.value           # 32
"""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from google.protobuf import descriptor_pb2, descriptor_pool, message, message_factory, text_format
from google.protobuf import wrappers_pb2

PACKAGE = "tensorflow.serving"
_FIELD = descriptor_pb2.FieldDescriptorProto


def _file(name: str, dependencies: list[str]) -> descriptor_pb2.FileDescriptorProto:
    return descriptor_pb2.FileDescriptorProto(name=name, package=PACKAGE, syntax="proto3", dependency=dependencies)


def _add_field(
    message_proto: descriptor_pb2.DescriptorProto,
    name: str,
    number: int,
    field_type: int,
    type_name: str = "",
    repeated: bool = False,
) -> None:
    field = message_proto.field.add(
        name=name,
        number=number,
        type=field_type,
        label=_FIELD.LABEL_REPEATED if repeated else _FIELD.LABEL_OPTIONAL,
    )
    if type_name:
        field.type_name = type_name


def _batching_file() -> descriptor_pb2.FileDescriptorProto:
    proto = _file("tensorflow_serving/servables/tensorflow/session_bundle_config.proto",
                  ["google/protobuf/wrappers.proto"])
    batching = proto.message_type.add(name="BatchingParameters")
    int64_value = ".google.protobuf.Int64Value"
    for number, name in enumerate(
        ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads"), start=1
    ):
        _add_field(batching, name, number, _FIELD.TYPE_MESSAGE, int64_value)
    _add_field(batching, "thread_pool_name", 5, _FIELD.TYPE_MESSAGE, ".google.protobuf.StringValue")
    _add_field(batching, "allowed_batch_sizes", 6, _FIELD.TYPE_INT64, repeated=True)
    _add_field(batching, "pad_variable_length_inputs", 7, _FIELD.TYPE_BOOL)
    return proto


def _monitoring_file() -> descriptor_pb2.FileDescriptorProto:
    proto = _file("tensorflow_serving/config/monitoring_config.proto", [])
    prometheus = proto.message_type.add(name="PrometheusConfig")
    _add_field(prometheus, "enable", 1, _FIELD.TYPE_BOOL)
    _add_field(prometheus, "path", 2, _FIELD.TYPE_STRING)
    monitoring = proto.message_type.add(name="MonitoringConfig")
    _add_field(monitoring, "prometheus_config", 1, _FIELD.TYPE_MESSAGE, f".{PACKAGE}.PrometheusConfig")
    return proto


def _build() -> dict[str, type[message.Message]]:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)
    classes = {}
    for file_proto in (_batching_file(), _monitoring_file()):
        pool.Add(file_proto)
        for message_proto in file_proto.message_type:
            descriptor = pool.FindMessageTypeByName(f"{PACKAGE}.{message_proto.name}")
            classes[message_proto.name] = message_factory.GetMessageClass(descriptor)
    return classes


_CLASSES = _build()
BatchingParameters = _CLASSES["BatchingParameters"]
PrometheusConfig = _CLASSES["PrometheusConfig"]
MonitoringConfig = _CLASSES["MonitoringConfig"]

MessageT = TypeVar("MessageT", bound=message.Message)


def parse_text_proto(path: str | Path, message_class: type[MessageT]) -> MessageT:
    """Parse a text-format proto file; raises ValueError naming the file on a syntax error."""
    parsed = message_class()
    try:
        text_format.Parse(Path(path).read_text(), parsed)
    except (OSError, text_format.ParseError) as error:
        raise ValueError(f"cannot read {message_class.DESCRIPTOR.name} from {path}: {error}") from error
    return parsed
