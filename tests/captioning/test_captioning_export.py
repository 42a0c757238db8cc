"""The `caption` endpoint exported for TF Serving answers as the in-process model does, through
the session-based loader and through the model server's REST API with {"b64": ...} inputs;
bad uploads get an error JSON with a 4xx status and the server carries on. The model also
round-trips through model.keras."""
import base64
import json
import urllib.error
import urllib.request

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from captioning_helpers import encoded, png_header_claiming
from serving.saved_model import SessionModel


def png(color, size=(40, 24)) -> bytes:
    return encoded(Image.new("RGB", size, color))


def uploads(tiny_run) -> list[bytes]:
    return [open(f, "rb").read() for f in tiny_run.task.split.test.files[:3]] + [png("orange", (1, 1))]


def assert_same_outputs(served, expected):
    assert sorted(served) == sorted(expected)
    np.testing.assert_array_equal(served["caption"], expected["caption"])
    np.testing.assert_array_equal(served["token_ids"], expected["token_ids"])
    np.testing.assert_allclose(served["log_prob"], expected["log_prob"], atol=1e-4)
    np.testing.assert_allclose(served["attention"], expected["attention"], atol=1e-4)


def test_export_matches_in_process_in_both_loaders(tiny_run, tiny_export):
    session = SessionModel.load(tiny_export.path)
    signature = tf.saved_model.load(str(tiny_export.path)).signatures["caption"]
    try:
        for beam_width in (1, 3):
            inputs = {"image_bytes": np.array(uploads(tiny_run), dtype=object), "beam_width": np.array(beam_width, "int32")}
            expected = tiny_run.endpoint(**inputs)
            assert_same_outputs(session.run("caption", inputs), expected)
            loaded = signature(image_bytes=tf.constant(inputs["image_bytes"].tolist()), beam_width=tf.constant(beam_width))
            assert_same_outputs({key: value.numpy() for key, value in loaded.items()}, expected)
    finally:
        session.close()


def predict(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}:predict", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def b64_body(images: list[bytes], beam_width: int) -> dict:
    return {"signature_name": "caption", "inputs": {
        "image_bytes": [{"b64": base64.b64encode(data).decode()} for data in images], "beam_width": beam_width}}


def test_rest_b64_request_matches_in_process(tiny_run, served_model_url):
    images = uploads(tiny_run)
    status, answer = predict(served_model_url, b64_body(images, 2))
    assert status == 200, answer
    expected = tiny_run.endpoint(image_bytes=np.array(images, dtype=object), beam_width=np.array(2, "int32"))
    outputs = answer["outputs"]
    assert [c.encode() for c in outputs["caption"]] == expected["caption"].tolist()
    np.testing.assert_array_equal(outputs["token_ids"], expected["token_ids"])
    np.testing.assert_allclose(outputs["attention"], expected["attention"], atol=1e-4)


def test_rest_bad_uploads_get_4xx_error_json_and_the_server_carries_on(tiny_run, served_model_url):
    for images, beam_width, message in (
        ([b"this is not an image"], 1, "not an image"),
        ([png("red")[:50]], 1, ""),
        ([png("red")], 0, "beam_width must be at least 1"),
        ([png_header_claiming(100_000, 100_000)], 1, "image too large"),
    ):
        status, answer = predict(served_model_url, b64_body(images, beam_width))
        assert 400 <= status < 500 and message in answer["error"], (status, answer)
    status, answer = predict(served_model_url, b64_body([png("blue")], 1))
    assert status == 200 and len(answer["outputs"]["caption"]) == 1


def test_model_keras_round_trip(tiny_run, tmp_path):
    path = tmp_path / "model.keras"
    tiny_run.model.save(path)
    loaded = keras.saving.load_model(path)
    endpoint = tiny_run.task.endpoints(loaded)[0]
    assert_same_outputs(endpoint(**endpoint.examples), tiny_run.endpoint(**tiny_run.endpoint.examples))
