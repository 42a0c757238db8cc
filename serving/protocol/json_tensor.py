"""TF Serving's JSON mapping (`util/json_tensor.cc`): request bodies to arrays, results to JSON.

Predict takes `instances` (row format, one item per batch row) or `inputs` (columnar format);
binary strings travel as `{"b64": ...}`; outputs whose name ends in `_bytes` are sent that way;
`NaN` and `Infinity` are accepted and written. Classify and regress take `examples` (and an
optional `context`) as JSON objects of features. Error texts are TF Serving's.

Bodies are parsed with orjson, which reads the same JSON values several times faster; what it
refuses (`NaN`/`Infinity`, integers beyond 64 bits, numbers past a double, lone surrogates,
parse errors) goes through the standard library with rapidjson's number rules
(`serving.protocol.json_decimal`). Answers are written with orjson, floats as TF Serving writes them.

    document = parse_json(b'{"instances": [[1.0, 2.0]]}')
    inputs, layout = predict_inputs(document, signature.inputs)
    body = predict_response(model_outputs, layout)           # b'{"predictions": [[...]]}'
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Mapping

import numpy as np
import orjson
import tensorflow as tf
from tensorflow.core.example import example_pb2, feature_pb2
from tensorflow_serving.apis import classification_pb2, regression_pb2

from serving.protocol import json_decimal
from serving.protocol.errors import InvalidArgument
from serving.saved_model import TensorInfo

ROW, COLUMNAR = "row", "columnar"
BYTES_SUFFIX = "_bytes"
MAX_VALUE_IN_ERROR = 1024
MAX_RANK = 64
"""numpy's limit on dimensions (TensorFlow's is 254)."""
_INT_RANGES = {
    tf.int8: (-(1 << 31), (1 << 31) - 1), tf.int16: (-(1 << 31), (1 << 31) - 1),
    tf.int32: (-(1 << 31), (1 << 31) - 1), tf.uint8: (-(1 << 31), (1 << 31) - 1),
    tf.int64: (-(1 << 63), (1 << 63) - 1),
    tf.uint32: (0, (1 << 32) - 1), tf.uint64: (0, (1 << 64) - 1),
}


def dtype_string(dtype: tf.DType) -> str:
    """TensorFlow's `DataTypeString`: `float`, `double`, `int32`, `string`, ..."""
    return {tf.float32: "float", tf.float64: "double", tf.float16: "half"}.get(dtype, dtype.name)


def value_string(value: Any) -> str:
    try:
        text = json.dumps(value, allow_nan=True, default=str)
    except (RecursionError, ValueError):
        return "(a value nested too deeply to show)"
    return text if len(text) <= MAX_VALUE_IN_ERROR else text[:MAX_VALUE_IN_ERROR] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


def parse_json(body: bytes) -> dict:
    """The request body as a JSON object (NaN and Infinity allowed)."""
    if not body.strip():
        raise InvalidArgument("JSON Parse error: The document is empty")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = _parse_json_slowly(body)
    if not isinstance(document, dict):
        raise InvalidArgument(f"JSON Value: {value_string(document)} Is not object")
    return document


def _parse_json_slowly(body: bytes) -> Any:
    """The standard library's parse, which also takes NaN, Infinity and big integers."""
    try:
        document = json.loads(body, parse_float=json_decimal.parse_float, parse_int=json_decimal.parse_int)
        json.dumps(document, ensure_ascii=False, allow_nan=True).encode("utf-8")
        return document
    except UnicodeEncodeError as error:  # a lone surrogate, which rapidjson refuses
        raise InvalidArgument("JSON Parse error: The surrogate pair in string is invalid.") from error
    except UnicodeDecodeError as error:
        raise InvalidArgument(f"JSON Parse error: Invalid encoding in string. at offset: {error.start}") from error
    except json.JSONDecodeError as error:
        raise InvalidArgument(f"JSON Parse error: {error.msg} at offset: {error.pos}") from error
    except RecursionError as error:
        raise InvalidArgument("JSON Parse error: document nested too deeply") from error


def signature_name(document: Mapping[str, Any]) -> str:
    """The optional `signature_name` ("" when absent)."""
    name = document.get("signature_name", "")
    if not isinstance(name, str):
        raise InvalidArgument(
            f"JSON Value: {value_string(document)} not formatted correctly. "
            "'signature_name' key must be a string value.")
    return name


def _is_b64(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _decode_b64(value: Any) -> bytes:
    if not _is_b64(value):
        raise InvalidArgument(f"JSON Value: {value_string(value)} not formatted correctly for base64 data")
    try:
        return base64.b64decode(value["b64"], validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidArgument("Unable to base64 decode") from error


def _type_error(value: Any, dtype: tf.DType) -> InvalidArgument:
    return InvalidArgument(
        f"JSON Value: {value_string(value)} Type: {_json_type(value)} is not of expected type: {dtype_string(dtype)}")


def _scalar(value: Any, dtype: tf.DType) -> Any:
    """One JSON leaf converted to `dtype`, with TF Serving's checks."""
    if isinstance(value, dict):
        if dtype == tf.string:
            return _decode_b64(value)
        raise _type_error(value, dtype)
    if dtype == tf.string:
        if not isinstance(value, str):
            raise _type_error(value, dtype)
        return value.encode("utf-8")
    if dtype == tf.bool:
        if not isinstance(value, bool):
            raise _type_error(value, dtype)
        return value
    if dtype.is_floating:  # any number, rounded to the dtype (json_tensor.cc:293-301)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(value, dtype)
        return value
    if dtype in _INT_RANGES:
        low, high = _INT_RANGES[dtype]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _type_error(value, dtype)
        return value
    raise InvalidArgument(f"Conversion of JSON Value: {value_string(value)} to type: {dtype_string(dtype)}")


def _dense_shape(value: Any) -> list[int]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _fill(value: Any, level: int, shape: list[int], dtype: tf.DType, out: list) -> None:
    rank = len(shape)
    if not isinstance(value, list):
        if level != rank:
            raise InvalidArgument(
                f"JSON Value: {value_string(value)} found at incorrect level: {level + 1} in the JSON DOM. "
                f"Expected at level: {rank}")
        out.append(_scalar(value, dtype))
        return
    if level >= rank:
        raise InvalidArgument(f"Encountered list at unexpected level: {level} expected < {rank}")
    if len(value) != shape[level]:
        raise InvalidArgument(
            f"Encountered list at unexpected size: {len(value)} at level: {level} expected size: {shape[level]}")
    for item in value:
        _fill(item, level + 1, shape, dtype, out)


def _fast_array(value: Any, dtype: tf.DType) -> np.ndarray | None:
    """numpy's own conversion when it provably agrees with TF Serving's rules, else None."""
    try:
        array = np.array(value)
    except (ValueError, TypeError, OverflowError):
        return None
    kind, target = array.dtype.kind, dtype.as_numpy_dtype
    if target is object:
        return None  # numpy's fixed-width strings drop trailing NUL characters
    if target is np.bool_:
        return array if kind == "b" else None
    if dtype.is_floating:
        if kind not in "fi":
            return None
        with np.errstate(over="ignore"):
            return array.astype(target)
    limits = _INT_RANGES.get(dtype)
    if limits is not None and kind == "i" and array.size:
        # numpy made an int64 array, so only narrower types need a range check
        if target is not np.int64 and (array.min() < limits[0] or array.max() > limits[1]):
            return None
        return array.astype(target)
    return None


def to_array(value: Any, dtype: tf.DType) -> np.ndarray:
    """A JSON (nested) value as an array of `dtype`, raising TF Serving's errors."""
    fast = _fast_array(value, dtype) if not isinstance(value, dict) else None
    if fast is not None:
        return fast
    shape = _dense_shape(value)
    if len(shape) > MAX_RANK:
        raise InvalidArgument(f"JSON Value: {value_string(value)} is nested {len(shape)} levels deep; a tensor has at "
                              f"most {MAX_RANK} dimensions here")
    flat: list = []
    _fill(value, 0, shape, dtype, flat)
    numpy_dtype = object if dtype == tf.string else dtype.as_numpy_dtype
    with np.errstate(over="ignore"):
        return np.array(flat, dtype=numpy_dtype).reshape(shape)


def predict_inputs(document: Mapping[str, Any], infos: Mapping[str, TensorInfo]) -> tuple[dict[str, np.ndarray], str]:
    """Named input arrays from a predict body, and whether it used the row or columnar layout."""
    if not infos:
        raise InvalidArgument("Failed to get input map for signature: " + (document.get("signature_name") or "DEFAULT"))
    has_instances, has_inputs = "instances" in document, "inputs" in document
    if has_instances and has_inputs:
        raise InvalidArgument(
            f"JSON Value: {value_string(document)} Not formatted correctly expecting only one of 'inputs' or "
            "'instances' keys to exist ")
    if has_instances:
        return _row_inputs(document, infos), ROW
    if has_inputs:
        return _columnar_inputs(document["inputs"], infos), COLUMNAR
    raise InvalidArgument("Missing 'inputs' or 'instances' key")


def _row_inputs(document: Mapping[str, Any], infos: Mapping[str, TensorInfo]) -> dict[str, np.ndarray]:
    instances = document["instances"]
    if not isinstance(instances, list):
        raise InvalidArgument(f"JSON Value: {value_string(document)} Excepting 'instances' to be an list/array")
    if not instances:
        raise InvalidArgument(f"JSON Value: {value_string(document)} No values in 'instances' array")
    first_is_object = isinstance(instances[0], dict) and not _is_b64(instances[0])
    if not isinstance(instances[0], dict) and len(infos) > 1:
        raise InvalidArgument(
            "instances is a plain list, but expecting list of objects as multiple input tensors required as per "
            "tensorinfo_map")
    if not first_is_object:
        (name,) = list(infos)[:1]
        for index, item in enumerate(instances):
            if isinstance(item, dict) and not _is_b64(item):
                raise InvalidArgument(f"Expecting value/list but got object at item {index} of input list")
        return {name: _stack_rows(instances, infos[name], "")}
    names = sorted(infos)
    for index, item in enumerate(instances):
        if not isinstance(item, dict) or _is_b64(item):
            raise InvalidArgument(f"Expecting object but got list at item {index} of input list")
        for key in item:
            if key not in infos:
                raise InvalidArgument(
                    f"Failed to process element: {index} key: {key} of 'instances' list. Error: INVALID_ARGUMENT: "
                    f"JSON object: does not have named input: {key}")
        if sorted(item) != names:
            raise InvalidArgument(
                f"Failed to process element: {index} of 'instances' list. JSON object: {value_string(item)} keys "
                f"must be equal to: {','.join(names)}")
    return {
        name: _stack_rows([item[name] for item in instances], infos[name], f" key: {name}")
        for name in names
    }


def _stack_rows(rows: list, info: TensorInfo, key_text: str) -> np.ndarray:
    fast = _fast_array(rows, info.dtype) if not any(isinstance(row, dict) for row in rows) else None
    if fast is not None:
        return fast
    converted, first_shape = [], None
    for index, row in enumerate(rows):
        try:
            array = to_array(row, info.dtype)
            if first_shape is None:
                first_shape = array.shape
            elif array.size != int(np.prod(first_shape)):
                raise InvalidArgument(f"Expecting tensor size: {int(np.prod(first_shape))} but got: {array.size}")
            elif array.shape != first_shape:
                raise InvalidArgument(
                    f"Expecting shape [{','.join(map(str, first_shape))}] but got: [{','.join(map(str, array.shape))}]")
        except InvalidArgument as error:
            raise InvalidArgument(
                f"Failed to process element: {index}{key_text} of 'instances' list. "
                f"Error: INVALID_ARGUMENT: {error.message}") from error
        converted.append(array)
    if len(first_shape) >= MAX_RANK:
        raise InvalidArgument(f"Instances of rank {len(first_shape)} make a tensor of more than {MAX_RANK} dimensions")
    return np.stack(converted)


def _columnar_inputs(value: Any, infos: Mapping[str, TensorInfo]) -> dict[str, np.ndarray]:
    if not isinstance(value, dict) or _is_b64(value):
        if len(infos) > 1:
            raise InvalidArgument(
                "inputs is a plain value/list, but expecting an object as multiple input tensors required as per "
                "tensorinfo_map")
        (name,) = infos
        return {name: to_array(value, infos[name].dtype)}
    arrays = {}
    for name, info in infos.items():
        if name not in value:
            raise InvalidArgument(f"Missing named input: {name} in 'inputs' object.")
        arrays[name] = to_array(value[name], info.dtype)
    return arrays


def _jsonable(name: str, array: np.ndarray) -> Any:
    """A JSON-ready value for orjson: float arrays as raw JSON rows written by TF Serving's rules."""
    array = np.asarray(array)
    if json_decimal.is_decimal(array):
        return json_decimal.row_fragments(array) if array.ndim else json_decimal.fragment(array)
    if array.dtype == object or array.dtype.kind in "SU":
        if name.endswith(BYTES_SUFFIX):
            encode = np.vectorize(lambda item: {"b64": base64.b64encode(_raw(item)).decode("ascii")}, otypes=[object])
        else:
            encode = np.vectorize(lambda item: _raw(item).decode("utf-8", "replace"), otypes=[object])
        return encode(array).tolist() if array.size else array.tolist()
    return array.tolist()


def _raw(item: Any) -> bytes:
    return item if isinstance(item, bytes) else str(item).encode("utf-8")


def predict_response(outputs: Mapping[str, np.ndarray], layout: str) -> bytes:
    """`{"predictions": ...}` for row requests, `{"outputs": ...}` for columnar ones."""
    if not outputs:
        raise InvalidArgument("Cannot convert empty tensor map to JSON")
    encode = orjson.dumps
    if layout == COLUMNAR:
        if len(outputs) == 1:
            ((name, value),) = outputs.items()
            body = {"outputs": _jsonable(name, value)}
        else:
            body = {"outputs": {name: _jsonable(name, value) for name, value in outputs.items()}}
        return encode(body)
    batch = None
    for name, value in outputs.items():
        if np.ndim(value) == 0:
            raise InvalidArgument(f"Tensor name: {name} has no shape information ")
        if batch is not None and np.shape(value)[0] != batch:
            raise InvalidArgument(
                f"Tensor name: {name} has inconsistent batch size: {np.shape(value)[0]} expecting: {batch}")
        batch = np.shape(value)[0]
    if len(outputs) == 1:
        ((name, value),) = outputs.items()
        return encode({"predictions": _jsonable(name, value)})
    columns = {name: _jsonable(name, value) for name, value in outputs.items()}
    return encode({"predictions": [{name: column[row] for name, column in columns.items()} for row in range(batch)]})


def _feature(name: str, value: Any, feature: feature_pb2.Feature) -> None:
    kind = feature.WhichOneof("kind")

    def check(expected: str) -> None:
        if kind not in (None, expected):
            names = {"bytes_list": "bytes", "float_list": "float", "int64_list": "int64"}
            raise InvalidArgument(f"Unexpected element type in feature: {name} expecting type: {names[kind]}")

    if value is None or isinstance(value, list) or (isinstance(value, dict) and not _is_b64(value)):
        raise InvalidArgument(f"Feature: {name} has element with unexpected JSON type: {_json_type(value)}")
    if isinstance(value, bool):
        check("int64_list")
        feature.int64_list.value.append(int(value))
    elif isinstance(value, dict):
        check("bytes_list")
        feature.bytes_list.value.append(_decode_b64(value))
    elif isinstance(value, str):
        check("bytes_list")
        feature.bytes_list.value.append(value.encode("utf-8"))
    elif isinstance(value, float):
        check("float_list")
        feature.float_list.value.append(value)  # rounded to float32 (json_tensor.cc:775-779)
    else:
        check("int64_list")
        if value >= 1 << 63:
            raise InvalidArgument(f"Feature: {name} has uint64 element. Only int64 is supported.")
        if value < -(1 << 63):
            raise _type_error(value, tf.int64)
        feature.int64_list.value.append(value)


def _example(value: Any) -> example_pb2.Example:
    if not isinstance(value, dict):
        raise InvalidArgument(f"Example must be JSON object but got JSON {_json_type(value)}")
    example = example_pb2.Example()
    for name, content in value.items():
        feature = example.features.feature[name]
        for item in content if isinstance(content, list) else [content]:
            _feature(name, item, feature)
    return example


def examples_from_json(document: Mapping[str, Any]) -> list[bytes]:
    """Serialized `tf.Example`s from `examples` (each merged over `context`, if given)."""
    context = _example(document["context"]).SerializeToString() if "context" in document else b""
    if "examples" not in document:
        raise InvalidArgument(
            f"JSON Value: {value_string(document)} When method is classify, key 'examples' is expected and was not found")
    examples = document["examples"]
    if not isinstance(examples, list):
        raise InvalidArgument(f"JSON Value: {value_string(document)} Expecting 'examples' value to be an list/array")
    if not examples:
        raise InvalidArgument(f"JSON Value: {value_string(document)} 'examples' value is an empty array")
    return [context + _example(example).SerializeToString() for example in examples]


def classification_response(result: classification_pb2.ClassificationResult) -> bytes:
    if not result.classifications:
        raise InvalidArgument("Cannot convert empty ClassificationResults to JSON")
    return orjson.dumps({"results": [
        [[c.label, score] for c, score in zip(item.classes, _float32_fragments([c.score for c in item.classes]))]
        for item in result.classifications]})


def regression_response(result: regression_pb2.RegressionResult) -> bytes:
    if not result.regressions:
        raise InvalidArgument("Cannot convert empty RegressionResults to JSON")
    return orjson.dumps({"results": _float32_fragments([item.value for item in result.regressions])})


def _float32_fragments(values: list[float]) -> list[orjson.Fragment]:
    """Proto float fields as TF Serving writes them (WriteDecimal of the float)."""
    texts = json_decimal.float_texts(np.asarray(values, dtype=np.float32))
    return [orjson.Fragment(text.encode("ascii")) for text in texts]


def error_body(message: str) -> bytes:
    return dumps({"error": message})


def dumps(body: Any) -> bytes:
    return json.dumps(body, allow_nan=True, separators=(",", ":")).encode("utf-8")
