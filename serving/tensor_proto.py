"""numpy arrays to and from `TensorProto`s, as `tf.make_tensor_proto` / `tf.make_ndarray` do, faster.

For the numeric dtypes that `tf.make_tensor_proto` writes as raw `tensor_content` (arrays of
more than one element), the proto is filled in place from the array's bytes and read back with
`np.frombuffer`, which skips most of TensorFlow's per-call Python; every other case (strings,
bools, scalars, protos using the typed `*_val` fields, malformed content) goes to TensorFlow's
own functions, so results and errors are theirs.

    fill(response.outputs["scores"], scores)           # == CopyFrom(tf.make_tensor_proto(scores))
    array = to_array(request.inputs["features"])       # == tf.make_ndarray(...)
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2

_CONTENT_DTYPES = {
    np.dtype(numpy_type): tf.as_dtype(numpy_type).as_datatype_enum
    for numpy_type in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                       np.uint8, np.uint32, np.uint64)
}
_NUMPY_DTYPES = {enum: dtype for dtype, enum in _CONTENT_DTYPES.items()}


def fill(proto: tensor_pb2.TensorProto, value: np.ndarray) -> None:
    """Write `value` into the (empty) `proto` exactly as `tf.make_tensor_proto(value)` would."""
    array = np.asarray(value)
    enum = _CONTENT_DTYPES.get(array.dtype)
    if enum is None or array.size <= 1:
        proto.CopyFrom(tf.make_tensor_proto(array))
        return
    proto.dtype = enum
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    proto.tensor_content = array.tobytes()


def to_array(proto: tensor_pb2.TensorProto) -> np.ndarray:
    """The array a `TensorProto` holds, as `tf.make_ndarray(proto)` returns it."""
    dtype = _NUMPY_DTYPES.get(proto.dtype)
    if dtype is None or not proto.tensor_content or proto.tensor_shape.unknown_rank:
        return tf.make_ndarray(proto)
    shape = [dim.size for dim in proto.tensor_shape.dim]
    if len(proto.tensor_content) != dtype.itemsize * math.prod(shape):
        return tf.make_ndarray(proto)
    return np.frombuffer(proto.tensor_content, dtype=dtype).reshape(shape)
