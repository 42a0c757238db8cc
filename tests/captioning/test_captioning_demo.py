"""The demo tab shows the endpoint's caption and one attention picture per generated word."""
import gradio as gr
import numpy as np
import pytest
from PIL import Image

from demos.backends import InProcessBackend
from demos.captioning import build_tab, caption_picture
from demos.images import encode_png
from zoo.errors import ZooError


def test_demo_caption_and_attention_pictures(tiny_run, tmp_path):
    backend = InProcessBackend([tiny_run.endpoint])
    with gr.Blocks():
        build_tab(tiny_run.task, backend, tmp_path)
    picture = Image.open(tiny_run.task.split.test.files[0])
    caption, overlays = caption_picture(backend, picture, 1)
    expected = tiny_run.endpoint(image_bytes=np.array([encode_png(picture)], dtype=object), beam_width=np.array(1, "int32"))
    assert caption == expected["caption"][0].decode()
    assert len(overlays) == int((expected["token_ids"][0] >= 0).sum())
    assert [word for _, word in overlays] == (caption.split() + ["(end)"])[:len(overlays)]
    assert all(image.shape == (160, 160, 3) and image.dtype == np.uint8 for image, _ in overlays)


def test_demo_reports_rejected_settings(tiny_run):
    backend = InProcessBackend([tiny_run.endpoint])
    with pytest.raises(ZooError, match="beam_width must be at most"):
        caption_picture(backend, Image.new("RGB", (10, 10)), 99)
