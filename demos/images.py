"""Image uploads for the tabs: a `gr.Image` whose unreadable or oversized files are refused with
a sentence, and the PNG bytes the image endpoints are sent.

Gradio opens every upload with Pillow before a tab's function sees it, so a corrupt file used
to fail there, with a bare "Error" badge and nothing else.

    upload = image_upload(MAX_PIXELS, label="Image", type="pil", image_mode="RGBA")
    backend.predict({"image_bytes": np.array([encode_png(picture)], dtype=object)}, "classify")
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import gradio as gr
from PIL import Image


def encode_png(picture: Image.Image) -> bytes:
    """The uploaded picture as PNG bytes, transparency kept (the models composite it onto white)."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def image_upload(max_pixels: int | None = None, **options) -> gr.Image:
    """A `gr.Image` (`options` are its own) that refuses an upload Pillow cannot read, or one
    over `max_pixels` (None: the most Pillow opens), with a `gr.Error` that says so, before
    anything is decoded. (Its preprocessing is wrapped rather than subclassed: Gradio writes a
    `.pyi` stub beside every module that defines a component class.)"""
    upload = gr.Image(**options)
    preprocess = upload.preprocess

    def checked(payload):
        if payload is None or payload.path is None:
            return preprocess(payload)
        path, name = str(payload.path), Path(payload.orig_name or payload.path).name

        def unreadable(error: Exception) -> gr.Error:
            detail = str(error).replace(path, name).rstrip(".")
            return gr.Error(f"That file is not an image Pillow can read: {detail}.")

        try:
            with Image.open(path) as header:    # reads the size from the header only
                width, height = header.size
        except Image.DecompressionBombError as error:
            pixels = re.search(r"\((\d+) pixels\)", str(error))
            size = f"{int(pixels.group(1)):,} pixels" if pixels else "more pixels than Pillow opens"
            limit = max_pixels or 2 * Image.MAX_IMAGE_PIXELS
            raise gr.Error(f"That image is too large: {size}; at most {limit:,} pixels are accepted.") from error
        except (OSError, SyntaxError, ValueError) as error:
            raise unreadable(error) from error
        if max_pixels and width * height > max_pixels:
            raise gr.Error(f"That image is too large: {width:,} x {height:,} pixels; at most {max_pixels:,} pixels are accepted.")
        try:
            return preprocess(payload)
        except (OSError, SyntaxError, ValueError) as error:   # Pillow reads the pixels only now
            raise unreadable(error) from error

    upload.preprocess = checked
    return upload
