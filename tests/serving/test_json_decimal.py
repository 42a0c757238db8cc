"""Floats written and read as TF Serving's util/json_tensor.cc does, checked on its own test cases."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2, regression_pb2

from serving.protocol import json_decimal, json_tensor
from serving.protocol.errors import InvalidArgument


@pytest.mark.parametrize("value, dtype, text", [
    (0.2, np.float32, "0.2"), (3.0, np.float32, "3.0"), (9000000.0, np.float32, "9e+06"),
    (0.00003, np.float32, "3e-05"), (0.1234567, np.float32, "0.123456702"), (1e38, np.float32, "1e+38"),
    (np.inf, np.float32, "Infinity"), (-np.inf, np.float32, "-Infinity"), (np.nan, np.float32, "NaN"),
    (0.1, np.float64, "0.1"), (1 / 3, np.float64, "0.33333333333333331"), (-2.0, np.float64, "-2.0"),
])
def test_write_decimal(value, dtype, text):
    """WriteDecimal: %g, else %.9g / %.17g when %g does not read back; '.0' when neither '.' nor 'e'
    (json_tensor.cc:124-169)."""
    assert json_decimal.float_texts(np.array([value], dtype=dtype)).tolist() == [text]


def test_regression_and_classification_results_as_upstream_expects():
    """json_tensor_test.cc:1553-1587: scores and values written 0.2, not 0.20000000298023224."""
    regression = regression_pb2.RegressionResult()
    for value in (0.2, float("inf"), 1.0, float("-inf"), float("nan")):
        regression.regressions.add(value=value)
    assert json_tensor.regression_response(regression) == b'{"results":[0.2,Infinity,1.0,-Infinity,NaN]}'
    classification = classification_pb2.ClassificationResult()
    classes = classification.classifications.add().classes
    for label, score in (("car", 0.2), ("bike", 0.7), ("bus", 0.1)):
        classes.add(label=label, score=score)
    assert json_tensor.classification_response(classification) == \
        b'{"results":[[["car",0.2],["bike",0.7],["bus",0.1]]]}'


def test_predict_outputs_nest_like_the_tensor():
    outputs = {"y": np.array([[0.2, 1.0], [np.nan, 2.5]], np.float32), "n": np.array([1, 2], np.int64)}
    assert json_tensor.predict_response(outputs, json_tensor.ROW) == \
        b'{"predictions":[{"y":[0.2,1.0],"n":1},{"y":[NaN,2.5],"n":2}]}'
    assert json_tensor.predict_response({"y": np.zeros((2, 0), np.float32)}, json_tensor.COLUMNAR) == \
        b'{"outputs":[[],[]]}'


def test_float_inputs_take_any_number_rounded_to_float32():
    """FloatTensorThatExceedsMaxReturnsInf (json_tensor_test.cc:224-262): DBL_MAX -> inf."""
    document = json_tensor.parse_json(b'{"instances": [1.7976931348623157e308, -1.7976931348623157e308, 16777217]}')
    array = json_tensor.to_array(document["instances"], tf.float32)
    assert array.dtype == np.float32 and array.tolist() == [np.inf, -np.inf, 16777216.0]


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"1" + b"0" * 400])
def test_numbers_a_double_cannot_hold_are_refused(number):
    with pytest.raises(InvalidArgument, match="^JSON Parse error: Number too big to be stored in double"):
        json_tensor.parse_json(b'{"instances": [' + number + b"]}")


def test_integers_past_64_bits_are_doubles():
    """rapidjson stores them as doubles, so float inputs take them and integer inputs refuse them."""
    document = json_tensor.parse_json(b'{"instances": [' + str(1 << 70).encode() + b"]}")
    assert json_tensor.to_array(document["instances"], tf.float64).tolist() == [float(1 << 70)]
    with pytest.raises(InvalidArgument, match="is not of expected type: int64"):
        json_tensor.to_array(document["instances"], tf.int64)
