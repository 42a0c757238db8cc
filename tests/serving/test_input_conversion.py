"""A request's inputs are converted once on their way to the session: what the protocol layer
decoded (or the batcher gathered) is fed as it is."""
import numpy as np
import tensorflow as tf

from serving.protocol.json_tensor import parse_json, predict_inputs
from serving.saved_model import TensorInfo, as_input_array

TEXT = TensorInfo("text:0", tf.string, (None,))
FLOATS = TensorInfo("x:0", tf.float32, (None, 2))


def test_arrays_decoded_from_a_rest_body_reach_the_session_unconverted():
    document = parse_json(b'{"inputs": {"text": ["caf\\u00e9", {"b64": "AAE="}], "x": [[1.5, 2.0]]}}')
    decoded, _ = predict_inputs(document, {"text": TEXT, "x": FLOATS})
    assert decoded["text"].tolist() == ["café".encode(), b"\x00\x01"]
    assert as_input_array(decoded["text"], "text", TEXT) is decoded["text"]
    assert as_input_array(decoded["x"], "x", FLOATS) is decoded["x"]


def test_values_of_another_type_are_converted_to_the_signatures():
    text = as_input_array(np.array(["a", b"b"], dtype=object), "text", TEXT)
    assert text.dtype == object and text.tolist() == [b"a", b"b"]
    floats = as_input_array([[1, 2]], "x", FLOATS)
    assert floats.dtype == np.float32 and floats.tolist() == [[1.0, 2.0]]
