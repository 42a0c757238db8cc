"""Warmup records: the requests TF Serving replays against a new version before it goes live.

They live in `<version>/assets.extra/tf_serving_warmup_requests`, a TFRecord file of
`PredictionLog` protos (at most 1000). Replaying them builds the graph's kernels and caches so
the first real request is not slow.

    write_warmup_records(version_dir, "conv_autoencoder", {"serving_default": {"images": batch}})
    requests = read_warmup_records(version_dir)        # [PredictionLog, ...]
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

WARMUP_FILE = Path("assets.extra") / "tf_serving_warmup_requests"
MAX_WARMUP_RECORDS = 1000


def predict_request(model_name: str, signature_name: str, inputs: Mapping[str, np.ndarray]) -> predict_pb2.PredictRequest:
    """A gRPC PredictRequest with each input as a TensorProto."""
    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name))
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request


def write_warmup_records(
    version_dir: str | Path,
    model_name: str,
    requests: Mapping[str, Mapping[str, np.ndarray]],
) -> Path:
    """Write one Predict warmup record per (signature name -> inputs) entry."""
    if len(requests) > MAX_WARMUP_RECORDS:
        raise ValueError(f"TF Serving reads at most {MAX_WARMUP_RECORDS} warmup records, got {len(requests)}")
    path = Path(version_dir) / WARMUP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature_name, inputs in requests.items():
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=predict_request(model_name, signature_name, inputs))
            )
            writer.write(log.SerializeToString())
    return path


def read_warmup_records(version_dir: str | Path) -> list[prediction_log_pb2.PredictionLog]:
    """The PredictionLogs of a version's warmup file (empty if it has none)."""
    path = Path(version_dir) / WARMUP_FILE
    if not path.is_file():
        return []
    logs = []
    for record in tf.data.TFRecordDataset(str(path)):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
    return logs
