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


def fill(proto: tensor_pb2.TensorProto, value: np.ndarray, tensor_content: bool = True) -> None:
    """Write `value` into the (empty) `proto`: as `tf.make_tensor_proto(value)` would with
    `tensor_content`, else in the typed `*_val` fields, as TF Serving's `Tensor::AsProtoField`
    does unless `--enable_serialization_as_tensor_content` (servables/tensorflow/predict_util.cc)."""
    array = np.asarray(value)
    enum = _CONTENT_DTYPES.get(array.dtype)
    if not tensor_content:
        _fill_typed(proto, array)
        return
    if enum is None or array.size <= 1:
        proto.CopyFrom(tf.make_tensor_proto(array))
        return
    proto.dtype = enum
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    proto.tensor_content = array.tobytes()


_TYPED_FIELDS = {
    np.dtype(np.float32): "float_val", np.dtype(np.float64): "double_val", np.dtype(np.int32): "int_val",
    np.dtype(np.int16): "int_val", np.dtype(np.int8): "int_val", np.dtype(np.uint8): "int_val",
    np.dtype(np.uint16): "int_val", np.dtype(np.int64): "int64_val", np.dtype(np.uint32): "uint32_val",
    np.dtype(np.uint64): "uint64_val", np.dtype(np.bool_): "bool_val",
}


def _fill_typed(proto: tensor_pb2.TensorProto, array: np.ndarray) -> None:
    """dtype, shape and one typed value per element (half: `half_val` bits; strings: `string_val`)."""
    field = _TYPED_FIELDS.get(array.dtype)
    if field is None and array.dtype != np.float16:
        proto.CopyFrom(tf.make_tensor_proto(array))  # strings: TensorFlow writes string_val itself
        return
    proto.dtype = tf.as_dtype(array.dtype).as_datatype_enum
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    if field is None:
        proto.half_val.extend(array.view(np.uint16).reshape(-1).tolist())
    else:
        getattr(proto, field).extend(array.reshape(-1).tolist())


MAX_TENSOR_BYTES = 1 << 31
"""The largest tensor a request may describe: the size of the largest gRPC message."""


def check_allocatable(proto: tensor_pb2.TensorProto) -> None:
    """Raise ValueError unless `proto` has a value dtype and a shape that can be allocated,
    before anything is allocated (a one-value proto of shape [2**40] would fill 4 TiB)."""
    try:
        dtype = tf.as_dtype(proto.dtype)
    except TypeError as error:
        raise ValueError(f"invalid dtype {proto.dtype}") from error
    if dtype in (tf.resource, tf.variant) or dtype.base_dtype != dtype:
        raise ValueError(f"dtype {dtype.name} cannot be sent in a request")
    sizes = [dim.size for dim in proto.tensor_shape.dim]
    if any(size < 0 for size in sizes):
        raise ValueError(f"negative dimension in shape {sizes}")
    if math.prod(sizes) * max(dtype.size, 1) > MAX_TENSOR_BYTES:
        raise ValueError(f"shape {sizes} cannot be allocated")


def to_array(proto: tensor_pb2.TensorProto) -> np.ndarray:
    """The array a `TensorProto` holds, as `tf.make_ndarray(proto)` returns it; ValueError or
    TypeError for a proto that does not describe a tensor that can be allocated."""
    check_allocatable(proto)
    dtype = _NUMPY_DTYPES.get(proto.dtype)
    if dtype is None or not proto.tensor_content or proto.tensor_shape.unknown_rank:
        return tf.make_ndarray(proto)
    shape = [dim.size for dim in proto.tensor_shape.dim]
    if len(proto.tensor_content) != dtype.itemsize * math.prod(shape):
        return tf.make_ndarray(proto)
    return np.frombuffer(proto.tensor_content, dtype=dtype).reshape(shape)
