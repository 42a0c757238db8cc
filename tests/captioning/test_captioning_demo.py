"""The demo tab shows the endpoint's caption and one attention picture per generated word, and a
refused request reads as the same sentence whether the model runs in-process or is served."""
import gradio as gr
import numpy as np
import pytest
from PIL import Image

from captioning_helpers import png_header_claiming
from demos.backends import InProcessBackend, ServingBackend
from demos.captioning import build_tab, caption_picture
from demos.errors import model_error
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


@pytest.mark.parametrize("upload, beam_width, expected", [
    (png_header_claiming(100_000, 100_000), 1,
     "Image too large: height, width = 100000 100000; at most 50,000,000 pixels are accepted."),
    (None, 0, "beam_width must be at least 1 (1 is greedy decoding)."),
], ids=["too large", "beam width 0"])
def test_a_refusal_reads_as_the_same_sentence_in_process_and_served(tiny_run, served_model_url, upload, beam_width, expected):
    base, name = served_model_url.split("/v1/models/")
    image = upload if upload is not None else encode_png(Image.new("RGB", (8, 8)))
    inputs = {"image_bytes": np.array([image], dtype=object), "beam_width": np.array(beam_width, "int32")}
    for backend in (InProcessBackend([tiny_run.endpoint]), ServingBackend(base, name)):
        with pytest.raises(Exception) as refused:
            backend.predict(inputs, signature_name="caption")
        assert model_error(refused.value).message == expected, backend.description
