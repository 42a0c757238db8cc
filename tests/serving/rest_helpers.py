"""Raw calls for the conformance suite: the exact REST status code and JSON body, and plain gRPC
requests, no client."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import numpy as np
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import predict_pb2


def rest(url: str, method: str = "GET", body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def float_predict_request(model: str, name: str, values: np.ndarray) -> predict_pb2.PredictRequest:
    """A PredictRequest with one float32 input in the typed float_val field, as TF Serving's tests send."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    tensor = request.inputs[name]
    tensor.dtype = types_pb2.DT_FLOAT
    tensor.float_val.extend(np.asarray(values, np.float32).reshape(-1).tolist())
    for size in np.shape(values):
        tensor.tensor_shape.dim.add(size=size)
    return request
