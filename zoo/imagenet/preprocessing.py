"""Encoded photos to EfficientNet-Lite inputs inside the graph, as the original release evaluated
them: the central 224/256 of the shorter side, resized to 224 x 224, pixels (x - 127) / 128.

    inputs = scaled_photos(tf.constant([open("cat.jpg", "rb").read()]))   # [1, 224, 224, 3]
"""
from __future__ import annotations

import io

import numpy as np
import tensorflow as tf

from zoo.captioning.images import decode_images

IMAGE_SIZE = 224
"""EfficientNet-Lite0's input side in pixels."""
MEAN, STD = 127.0, 128.0
"""Pixels in [0, 255] become (x - MEAN) / STD, as the release trained them."""
CENTRAL_FRACTION = 224 / 256
"""The release's evaluation crop (tensorflow/tpu: image_size / (image_size + CROP_PADDING=32))."""


def scale_pixels(images: tf.Tensor) -> tf.Tensor:
    """Images in [0, 1] -> the network's input scale."""
    return (images * 255.0 - MEAN) / STD


def scaled_photos(image_bytes: tf.Tensor, size: int = IMAGE_SIZE) -> tf.Tensor:
    """[N] encoded PNG/JPEG/GIF/BMP of any size -> [N, size, size, 3] network inputs."""
    return scale_pixels(decode_images(tf.convert_to_tensor(image_bytes, tf.string), size, CENTRAL_FRACTION))


def photo_png(pixels: np.ndarray) -> bytes:
    """A uint8 [H, W, 3] picture as PNG bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, "uint8")).save(buffer, format="PNG")
    return buffer.getvalue()
