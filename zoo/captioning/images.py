"""Encoded image bytes to model inputs, inside the graph: the one path that training data,
the `caption` endpoint and the demo share.

Accepts PNG, JPEG, GIF (first frame) and BMP of any size up to `MAX_PIXELS`. Transparency is
composited onto white (the renders are drawn on white), grayscale becomes RGB, and the picture
is resized (area-averaged, aspect not kept) to `size` x `size`, float32 in [0, 1]; with
`central_fraction`, the central square of that fraction of the shorter side is cut out first
(the aspect-keeping crop ImageNet networks are evaluated with). Bytes that
are not one of those formats, and images above `MAX_PIXELS` by their header, fail with an
`InvalidArgumentError` that says so before anything is decoded.

    images = decode_images(tf.constant([open("cat.jpg", "rb").read()]), size=48)   # [1, 48, 48, 3]
    photos = decode_images(tf.constant([open("cat.jpg", "rb").read()]), 224, central_fraction=0.875)
"""
from __future__ import annotations

import tensorflow as tf

MAX_PIXELS = 50_000_000
"""Largest width x height accepted (a 7,000 x 7,000 photo), checked from the header before decoding."""

_SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff", "gif": b"GIF8", "bmp": b"BM"}


def _unsigned(data: tf.Tensor, start: int, length: int, little_endian: bool) -> tf.Tensor:
    """The unsigned integer stored in `length` bytes of `data` from `start` (int64)."""
    raw = tf.cast(tf.io.decode_raw(tf.strings.substr(data, start, length), tf.uint8), tf.int64)
    powers = range(length) if little_endian else reversed(range(length))
    return tf.reduce_sum(raw * tf.constant([256 ** i for i in powers], tf.int64))


def header_size(data: tf.Tensor) -> tf.Tensor:
    """(height, width) of one encoded image read from its header, int64; fails for unknown formats."""
    padded = data + b"\0" * 32  # short inputs read as zeros instead of failing in substr

    def starts_with(name: str) -> tf.Tensor:
        signature = _SIGNATURES[name]
        return tf.equal(tf.strings.substr(padded, 0, len(signature)), signature)

    def png() -> tf.Tensor:
        return tf.stack([_unsigned(padded, 20, 4, False), _unsigned(padded, 16, 4, False)])

    def jpeg() -> tf.Tensor:
        return tf.cast(tf.image.extract_jpeg_shape(data)[:2], tf.int64)

    def gif() -> tf.Tensor:
        return tf.stack([_unsigned(padded, 8, 2, True), _unsigned(padded, 6, 2, True)])

    def bmp() -> tf.Tensor:
        height = _unsigned(padded, 22, 4, True)
        height = tf.where(height >= 2 ** 31, 2 ** 32 - height, height)  # top-down BMPs store -height
        return tf.stack([height, _unsigned(padded, 18, 4, True)])

    def unknown() -> tf.Tensor:
        check = tf.debugging.Assert(False, [
            "not an image: expected PNG, JPEG, GIF or BMP bytes; the upload starts with",
            tf.strings.substr(padded, 0, 8),
        ])
        with tf.control_dependencies([check]):
            return tf.zeros([2], tf.int64)

    return tf.case(
        [(starts_with("png"), png), (starts_with("jpeg"), jpeg), (starts_with("gif"), gif), (starts_with("bmp"), bmp)],
        default=unknown, exclusive=False,
    )


def decode_image(data: tf.Tensor, size: int, central_fraction: float | None = None) -> tf.Tensor:
    """One encoded image -> [size, size, 3] float32 in [0, 1], transparency composited onto white."""
    height_width = header_size(data)
    pixels = height_width[0] * height_width[1]
    checks = [tf.debugging.Assert(pixels <= MAX_PIXELS, [
        "image too large: height, width =", height_width, f"; at most {MAX_PIXELS:,} pixels are accepted",
    ])]
    with tf.control_dependencies(checks):
        image = tf.io.decode_image(data, channels=0, expand_animations=False)
    image = tf.image.convert_image_dtype(image, tf.float32)
    channels = tf.shape(image)[-1]
    rgb = tf.cond(channels >= 3, lambda: image[..., :3], lambda: tf.tile(image[..., :1], [1, 1, 3]))
    alpha = tf.cond(tf.equal(channels % 2, 0), lambda: image[..., -1:], lambda: tf.ones_like(image[..., :1]))
    rgb = rgb * alpha + (1.0 - alpha)
    if central_fraction is not None:
        height, width = tf.shape(rgb)[0], tf.shape(rgb)[1]
        side = tf.maximum(1, tf.cast(central_fraction * tf.cast(tf.minimum(height, width), tf.float32), tf.int32))
        rgb = tf.image.crop_to_bounding_box(rgb, (height - side) // 2, (width - side) // 2, side, side)
    resized = tf.image.resize(rgb, (size, size), method="area", antialias=True)
    return tf.ensure_shape(tf.clip_by_value(resized, 0.0, 1.0), (size, size, 3))


def decode_images(data: tf.Tensor, size: int, central_fraction: float | None = None) -> tf.Tensor:
    """A [N] string tensor of encoded images -> [N, size, size, 3] float32 in [0, 1]."""
    return tf.map_fn(lambda one: decode_image(one, size, central_fraction), data,
                     fn_output_signature=tf.TensorSpec((size, size, 3), tf.float32))
