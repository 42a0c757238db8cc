"""TF Serving's gRPC `PredictionService` and `ModelService`, served with the stubs' own base classes.

    server = start_grpc_server(manager, "127.0.0.1", 8500)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel("127.0.0.1:8500"))
    server.stop(grace=1)
"""
from __future__ import annotations

import concurrent.futures
import functools
import logging
import time
from typing import Callable

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from serving.protocol import tensor_proto
from serving.protocol.errors import INTERNAL_MESSAGE, FailedPrecondition, InvalidArgument, ServingError
from serving.protocol.json_tensor import dtype_string
from serving.saved_model import DEFAULT_SIGNATURE
from serving.server import inference
from serving.server.metrics import REGISTRY
from serving.server.model_manager import ModelManager
from serving.server.servable import LoadedVersion

log = logging.getLogger("serving.server.grpc_services")

MAX_MESSAGE_BYTES = 2**31 - 1


def _version_of(spec) -> tuple[int | None, str | None]:
    return (spec.version.value if spec.HasField("version") else None), (spec.version_label or None)


def _rpc(api: str) -> Callable:
    """Report ServingErrors with their status code and record request metrics."""
    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, request, context: grpc.ServicerContext):
            started = time.perf_counter()
            model_name = request.model_spec.name if hasattr(request, "model_spec") else ""
            try:
                response = method(self, request, context)
            except ServingError as error:
                REGISTRY.request_count.inc(model_name=model_name, status=error.code.name)
                context.abort(error.code, error.message)
            except Exception:
                log.exception("internal error in %s", api)
                REGISTRY.request_count.inc(model_name=model_name, status="INTERNAL")
                context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
            REGISTRY.request_count.inc(model_name=model_name, status="OK")
            REGISTRY.request_latency.observe((time.perf_counter() - started) * 1e6, model_name=model_name, API=api,
                                             entrypoint="GRPC")
            return response
        return wrapper
    return decorate


def _grpc_signature(version: LoadedVersion, name: str):
    if (name or DEFAULT_SIGNATURE) not in version.signature_defs:
        raise FailedPrecondition(f'Serving signature key "{name or DEFAULT_SIGNATURE}" not found.')
    return version.signature(name)


def _input_arrays(request: predict_pb2.PredictRequest, signature) -> dict[str, np.ndarray]:
    arrays = {}
    for index, (name, tensor) in enumerate(sorted(request.inputs.items())):
        info = signature.inputs.get(name)
        try:
            tensor_proto.check_allocatable(tensor)
        except ValueError as error:  # predict_util.cc: Tensor::FromProto failing
            raise InvalidArgument(f"tensor parsing error: {name} ({error})") from error
        if info is not None and tensor.dtype != info.dtype.as_datatype_enum:
            raise InvalidArgument(
                f"Expects arg[{index}] to be {dtype_string(info.dtype)} but "
                f"{dtype_string(tf.as_dtype(tensor.dtype))} is provided")
        try:
            arrays[name] = tensor_proto.to_array(tensor)
        except (TypeError, ValueError, MemoryError) as error:
            raise InvalidArgument(f"tensor parsing error: {name} ({error})") from error
    return arrays


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, manager: ModelManager, tensor_content: bool = False):
        self.manager = manager
        self.tensor_content = tensor_content
        self.check_method_name = manager.options.enable_signature_method_name_check

    @_rpc("predict")
    def Predict(self, request: predict_pb2.PredictRequest, context) -> predict_pb2.PredictResponse:
        with self.manager.acquire(request.model_spec.name, *_version_of(request.model_spec)) as version:
            signature = _grpc_signature(version, request.model_spec.signature_name)
            inputs = _input_arrays(request, signature)
            outputs = version.run(signature.name, inputs, list(request.output_filter) or None)
        response = predict_pb2.PredictResponse(model_spec=inference.model_spec(version, signature.name))
        for name, value in outputs.items():
            tensor_proto.fill(response.outputs[name], value, tensor_content=self.tensor_content)
        return response

    @_rpc("classify")
    def Classify(self, request: classification_pb2.ClassificationRequest, context):
        examples = inference.serialized_examples(request.input)
        with self.manager.acquire(request.model_spec.name, *_version_of(request.model_spec)) as version:
            result = inference.classify(version, request.model_spec.signature_name, examples,
                                      self.check_method_name)
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        return classification_pb2.ClassificationResponse(
            model_spec=inference.model_spec(version, signature_name), result=result)

    @_rpc("regress")
    def Regress(self, request: regression_pb2.RegressionRequest, context):
        examples = inference.serialized_examples(request.input)
        with self.manager.acquire(request.model_spec.name, *_version_of(request.model_spec)) as version:
            result = inference.regress(version, request.model_spec.signature_name, examples, self.check_method_name)
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        return regression_pb2.RegressionResponse(model_spec=inference.model_spec(version, signature_name), result=result)

    @_rpc("multi_inference")
    def MultiInference(self, request: inference_pb2.MultiInferenceRequest, context):
        if not request.tasks:
            raise InvalidArgument("Found no tasks in MultiInferenceRequest")
        first = request.tasks[0].model_spec
        seen = set()
        for task in request.tasks:
            if task.model_spec.name != first.name:
                raise InvalidArgument("All ModelSpecs in a MultiInferenceRequest must access the same model name.")
            if _version_of(task.model_spec) != _version_of(first):
                raise InvalidArgument("ModelSpec version should be the same for all tasks of a MultiInferenceRequest")
            signature_name = task.model_spec.signature_name or DEFAULT_SIGNATURE
            if signature_name in seen:
                raise InvalidArgument(f"Duplicate evaluation of signature: {signature_name}")
            seen.add(signature_name)
        examples = inference.serialized_examples(request.input)
        response = inference_pb2.MultiInferenceResponse()
        with self.manager.acquire(first.name, *_version_of(first)) as version:
            for task in request.tasks:
                signature_name = task.model_spec.signature_name or DEFAULT_SIGNATURE
                result = response.results.add(model_spec=inference.model_spec(version, signature_name))
                if task.method_name == inference.CLASSIFY_METHOD:
                    result.classification_result.CopyFrom(
                        inference.classify(version, signature_name, examples, self.check_method_name))
                elif task.method_name == inference.REGRESS_METHOD:
                    result.regression_result.CopyFrom(
                        inference.regress(version, signature_name, examples, self.check_method_name))
                else:
                    raise InvalidArgument(f"Unsupported signature method_name: {task.method_name}")
        return response

    @_rpc("metadata")
    def GetModelMetadata(self, request: get_model_metadata_pb2.GetModelMetadataRequest, context):
        with self.manager.acquire(request.model_spec.name, *_version_of(request.model_spec)) as version:
            return inference.model_metadata(version, list(request.metadata_field))


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, manager: ModelManager):
        self.manager = manager

    @_rpc("status")
    def GetModelStatus(self, request: get_model_status_pb2.GetModelStatusRequest, context):
        return inference.model_status(self.manager, request.model_spec.name, _version_of(request.model_spec)[0])

    def HandleReloadConfigRequest(self, request: model_management_pb2.ReloadConfigRequest, context):
        response = model_management_pb2.ReloadConfigResponse()
        try:
            self.manager.apply_config(request.config)
        except ServingError as error:
            response.status.error_code = error.code.value[0]
            response.status.error_message = error.message
            context.set_code(error.code)
            context.set_details(error.message)
        return response


def start_grpc_server(manager: ModelManager, host: str, port: int, *, socket_path: str = "",
                      options: list[tuple[str, int | str]] = (), max_workers: int = 64,
                      tensor_content: bool = False) -> grpc.Server:
    """Serve both services on `host:port` (unless port is 0) and on the Unix socket `socket_path`
    (if given), with the `--grpc_channel_arguments` `options` after TF Serving's own
    (model_servers/server.cc:372-410: later arguments win); returns the started server."""
    server = grpc.server(
        concurrent.futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", MAX_MESSAGE_BYTES), *options],
    )
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(manager, tensor_content), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(manager), server)
    if port and server.add_insecure_port(f"{host}:{port}") == 0:
        raise OSError(f"cannot bind gRPC port {host}:{port}")
    if socket_path and server.add_insecure_port(f"unix:{socket_path}") == 0:
        raise OSError(f"cannot bind gRPC Unix socket {socket_path}")
    server.start()
    return server
