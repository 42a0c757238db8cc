"""The captioning demo tab: upload an image (or pick a held-out one), get its caption and,
for each word, where the decoder looked (its cross-attention over the image grid).

Built by `demos.app` with a backend (in-process model or TF Serving); imports no serving code.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from demos.errors import model_error
from demos.examples import example_files
from demos.images import encode_png, image_upload
from zoo.captioning.figures import attention_overlays
from zoo.captioning.images import MAX_PIXELS

def on_white(picture: Image.Image) -> np.ndarray:
    """[H, W, 3] float picture in [0, 1] with transparency composited onto white, as the model sees it."""
    rgba = picture.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"), dtype="float32") / 255


def caption_picture(backend, picture: Image.Image, beam_width: int) -> tuple[str, list[tuple[np.ndarray, str]]]:
    """The backend's caption of `picture` and one attention overlay per generated word."""
    outputs = backend.predict({"image_bytes": np.array([encode_png(picture)], dtype=object),
                               "beam_width": np.array(beam_width, "int32")}, signature_name="caption")
    caption = outputs["caption"][0].decode("utf-8", errors="replace")
    ids = outputs["token_ids"][0]
    length = int((ids >= 0).sum())
    words = caption.split() + ["(end)"]
    return caption, attention_overlays(on_white(picture), outputs["attention"][0][:length], words[:length])


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """Lay out the tab's components and wire them to `backend`."""

    def run(picture, beam_width):
        if picture is None:
            raise gr.Error("Upload an image or pick an example first.")
        try:
            return caption_picture(backend, picture, int(beam_width))
        except Exception as error:
            raise model_error(error) from error

    c = task.config
    gr.Markdown(
        f"**{task.name.replace('_', ' ')}**: a {c.backbone.replace('_', ' ')} image encoder and a {c.num_layers}-block "
        f"Transformer decoder, trained on {c.dataset} images at {c.image_size} px. Upload any PNG/JPEG; "
        "each word's picture shows where the decoder looked when it chose that word."
    )
    with gr.Row():
        with gr.Column():
            upload = image_upload(MAX_PIXELS, label="Image", type="pil", image_mode="RGBA", height=256,
                                  elem_id=f"{task.name}-upload")
            beam_width = gr.Slider(1, 8, value=c.beam_width, step=1, label="beam width (1: greedy)")
            button = gr.Button("Caption", variant="primary")
            gr.Examples([[f] for f in example_files(task, "caption", "image_bytes", artifacts_dir / "examples")], [upload],
                        label="Held-out images")
        with gr.Column():
            caption = gr.Textbox(label="Caption", elem_id=f"{task.name}-caption")
            overlays = gr.Gallery(label="Attention per word", columns=4, height=360)
    button.click(run, [upload, beam_width], [caption, overlays], api_name=f"{task.name}_caption")
    figures = [artifacts_dir / "examples.png"]
    if figures[0].is_file():
        gr.Markdown(f"From `python -m zoo evaluate {task.name}`:\n\n" + (artifacts_dir / "bleu.md").read_text())
        gr.Image(str(figures[0]), label="Held-out images: model vs true captions", show_label=True)
    else:
        gr.Markdown(f"Run `python -m zoo evaluate {task.name}` to add BLEU scores and example captions here.")
