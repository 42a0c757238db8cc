"""Odd uploads: corrupt or non-image bytes and too-large images get a clear error; a 1x1 image,
a large photo, grayscale and transparent images get a caption. Never a crash."""
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from captioning_helpers import encoded, png_header_claiming
from zoo.captioning.images import MAX_PIXELS, decode_images
from zoo.errors import ZooError


def caption(endpoint, *uploads: bytes, beam_width: int = 1) -> dict:
    return endpoint(image_bytes=np.array(list(uploads), dtype=object), beam_width=np.array(beam_width, "int32"))


NOT_IMAGES = {
    "text": (b"hello, I am not a picture", "not an image: expected PNG, JPEG, GIF or BMP"),
    "empty": (b"", "not an image: expected PNG, JPEG, GIF or BMP"),
    "pdf": (b"%PDF-1.4\n...", "not an image"),
    "truncated png": (None, ""),
    "too large": (png_header_claiming(100_000, 100_000), "image too large"),
}


@pytest.mark.parametrize("name", list(NOT_IMAGES))
def test_bad_uploads_get_a_clear_error(tiny_run, name):
    data, message = NOT_IMAGES[name]
    if data is None:
        data = encoded(Image.new("RGB", (40, 40), "blue"))[:60]
    with pytest.raises(ZooError, match="rejected its input") as caught:
        caption(tiny_run.endpoint, data)
    assert message in str(caught.value)
    assert caption(tiny_run.endpoint, encoded(Image.new("RGB", (8, 8))))["caption"].shape == (1,), "still works after"


def test_odd_but_valid_images_get_captions(tiny_run):
    uploads = [
        encoded(Image.new("RGB", (1, 1), (250, 200, 0))),
        encoded(Image.effect_noise((3000, 2000), 60).convert("RGB"), "JPEG", quality=70),
        encoded(Image.new("L", (50, 20), 128)),
        encoded(Image.new("RGBA", (64, 64), (0, 0, 0, 0))),
        encoded(Image.new("RGB", (30, 30), "green"), "GIF"),
        encoded(Image.new("RGB", (30, 30), "green"), "BMP"),
    ]
    outputs = caption(tiny_run.endpoint, *uploads, beam_width=2)
    assert outputs["caption"].shape == (len(uploads),)
    assert all(isinstance(text, bytes) for text in outputs["caption"])
    assert np.isfinite(outputs["log_prob"]).all()


def test_transparency_is_composited_onto_white_and_any_size_is_resized():
    transparent = encoded(Image.new("RGBA", (64, 64), (0, 0, 0, 0)))
    half = encoded(Image.new("LA", (7, 300), (0, 128)))
    images = decode_images(tf.constant([transparent, half]), 16).numpy()
    assert images.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(images[0], 1.0)
    np.testing.assert_allclose(images[1], 1.0 - 128 / 255, atol=1e-2)
    assert MAX_PIXELS >= 7000 * 7000
