"""The protocol-independent half of the PredictionService and ModelService.

REST and gRPC both resolve a model version through the `ModelManager` and then call these:
classify and regress over serialized `tf.Example`s (TF Serving's classifier/regressor
contracts), model metadata and status as the API protos, and warmup replay.

    with manager.acquire("census") as version:
        result = classify(version, "", serialized_examples(request.input))   # ClassificationResult
    status = model_status(manager, "census", None)                     # GetModelStatusResponse
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    input_pb2,
    model_pb2,
    regression_pb2,
)

from serving.protocol.errors import InvalidArgument
from serving.saved_model import DEFAULT_SIGNATURE, Signature
from serving.server.model_manager import ModelManager
from serving.server.servable import LoadedVersion
from serving.warmup import MAX_WARMUP_RECORDS, read_warmup_records

CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
SIGNATURE_DEF_FIELD = "signature_def"
EXAMPLES_INPUT = "inputs"


def serialized_examples(model_input: input_pb2.Input) -> list[bytes]:
    """The `Input` as serialized Examples; a context is merged into each, as TF Serving does."""
    kind = model_input.WhichOneof("kind")
    if kind == "example_list":
        examples = [example.SerializeToString() for example in model_input.example_list.examples]
    elif kind == "example_list_with_context":
        context = model_input.example_list_with_context.context.SerializeToString()
        examples = [context + example.SerializeToString() for example in model_input.example_list_with_context.examples]
    else:
        raise InvalidArgument("Input is empty.")
    if not examples:
        raise InvalidArgument("Input is empty.")
    return examples


def _signature_for_examples(version: LoadedVersion, signature_name: str, method: str, kind: str,
                            check_method_name: bool) -> Signature:
    """The signature, checked as TF Serving's classifier.cc:150-220 / regressor.cc:145-205 do.

    A missing signature is INVALID_ARGUMENT; the method name is only checked with
    `--enable_signature_method_name_check`; the structure (one input named `inputs`; the
    outputs) always is.
    """
    name = signature_name or DEFAULT_SIGNATURE
    if name not in version.signature_defs:
        raise InvalidArgument(f"No signature was found with the name: {name}")
    signature = version.signature(name)
    if check_method_name and signature.method_name != method:
        raise InvalidArgument(f"Expected {kind} signature method_name to be {method}. Was: {signature.method_name}")
    if len(signature.inputs) != 1:
        raise InvalidArgument("Expected one input Tensor.")
    if kind == "classification" and len(signature.outputs) not in (1, 2):
        raise InvalidArgument(f"Expected one or two output Tensors, found {len(signature.outputs)}")
    if kind == "regression" and len(signature.outputs) != 1:
        raise InvalidArgument("Expected one output Tensor.")
    if EXAMPLES_INPUT not in signature.inputs:
        raise InvalidArgument(f"No {kind} inputs found in SignatureDef: {signature.name}")
    return signature


def _run_examples(version: LoadedVersion, signature: Signature, examples: list[bytes]) -> dict[str, np.ndarray]:
    return version.run(signature.name, {EXAMPLES_INPUT: np.array(examples, dtype=object)})


def classify(version: LoadedVersion, signature_name: str, examples: list[bytes],
             check_method_name: bool = False) -> classification_pb2.ClassificationResult:
    """Run a classify signature: per example, (label, score) for each class."""
    signature = _signature_for_examples(version, signature_name, CLASSIFY_METHOD, "classification",
                                        check_method_name)
    if "classes" not in signature.outputs and "scores" not in signature.outputs:
        raise InvalidArgument('Expected classification signature outputs to contain at least one of "classes" or '
                              f'"scores". Signature was: {signature.name}')
    outputs = _run_examples(version, signature, examples)
    classes, scores = outputs.get("classes"), outputs.get("scores")
    reference = scores if scores is not None else classes
    if reference.ndim != 2 or reference.shape[0] != len(examples):
        raise InvalidArgument(
            f"Expected Tensor shape: [{len(examples)} num_classes] but got {list(reference.shape)}")
    result = classification_pb2.ClassificationResult()
    for row in range(len(examples)):
        classifications = result.classifications.add()
        for column in range(reference.shape[1]):
            label = classes[row, column] if classes is not None else b""
            classifications.classes.add(
                label=label.decode("utf-8", "replace") if isinstance(label, bytes) else str(label),
                score=float(scores[row, column]) if scores is not None else 0.0,
            )
    return result


def regress(version: LoadedVersion, signature_name: str, examples: list[bytes],
            check_method_name: bool = False) -> regression_pb2.RegressionResult:
    """Run a regress signature: one value per example."""
    signature = _signature_for_examples(version, signature_name, REGRESS_METHOD, "regression", check_method_name)
    if "outputs" not in signature.outputs:
        raise InvalidArgument(f"No regression outputs found in SignatureDef: {signature.name}")
    values = _run_examples(version, signature, examples)["outputs"]
    if not (values.ndim == 1 or (values.ndim == 2 and values.shape[1] == 1)) or values.shape[0] != len(examples):
        raise InvalidArgument(
            f"Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got {list(values.shape)}")
    result = regression_pb2.RegressionResult()
    for value in values.reshape(-1):
        result.regressions.add(value=float(value))
    return result


def model_spec(version: LoadedVersion, signature_name: str = "") -> model_pb2.ModelSpec:
    spec = model_pb2.ModelSpec(name=version.name, signature_name=signature_name)
    spec.version.value = version.version
    return spec


def model_metadata(version: LoadedVersion, fields: list[str]) -> get_model_metadata_pb2.GetModelMetadataResponse:
    """GetModelMetadata: the version's SignatureDefMap (the one field TF Serving supports)."""
    if not fields:
        raise InvalidArgument("GetModelMetadataRequest must specify at least one metadata_field")
    for field in fields:
        if field != SIGNATURE_DEF_FIELD:
            raise InvalidArgument(f"Metadata field {field} is not supported")
    response = get_model_metadata_pb2.GetModelMetadataResponse(model_spec=model_spec(version))
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    for name, signature_def in version.signature_defs.items():
        signature_map.signature_def[name].CopyFrom(signature_def)
    response.metadata[SIGNATURE_DEF_FIELD].Pack(signature_map)
    return response


def model_status(manager: ModelManager, name: str, version: int | None) -> get_model_status_pb2.GetModelStatusResponse:
    """GetModelStatus: state and last error of each (or the named) version; a label selects nothing."""
    if not name:
        raise InvalidArgument("Missing model name in request.")
    response = get_model_status_pb2.GetModelStatusResponse()
    states = get_model_status_pb2.ModelVersionStatus.State
    for number, status in manager.statuses(name, version).items():
        entry = response.model_version_status.add(version=number, state=states.Value(status.state))
        entry.status.error_code = status.error_code.value[0]
        entry.status.error_message = status.error_message
    return response


def replay_warmup(version: LoadedVersion, iterations: int = 1) -> int:
    """Replay `assets.extra/tf_serving_warmup_requests` against `version`, each record
    `iterations` times (`--num_request_iterations_for_warmup`); returns the record count."""
    logs = read_warmup_records(version.path)
    if len(logs) > MAX_WARMUP_RECORDS:
        raise InvalidArgument(f"Number of warmup records exceeds the maximum ({MAX_WARMUP_RECORDS}) at {version.path}")
    for log in [log for log in logs for _ in range(iterations)]:
        kind = log.WhichOneof("log_type")
        if kind == "predict_log":
            request = log.predict_log.request
            inputs = {name: tf.make_ndarray(tensor) for name, tensor in request.inputs.items()}
            version.run(request.model_spec.signature_name or None, inputs, list(request.output_filter) or None)
        elif kind == "classify_log":
            request = log.classify_log.request
            classify(version, request.model_spec.signature_name, serialized_examples(request.input))
        elif kind == "regress_log":
            request = log.regress_log.request
            regress(version, request.model_spec.signature_name, serialized_examples(request.input))
        else:
            raise InvalidArgument(f"Unsupported log_type for warmup: {kind}")
    return len(logs)
