"""The image classifier demo tab: upload a photo (or pick a sample one) and see the model's top
classes with their probabilities.

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
from zoo.captioning.images import MAX_PIXELS

def top_classes(backend, picture: Image.Image) -> dict[str, float]:
    """The backend's top classes of `picture` and their probabilities, likeliest first."""
    outputs = backend.predict({"image_bytes": np.array([encode_png(picture)], dtype=object)}, signature_name="classify")
    return {name.decode(): float(p) for name, p in zip(outputs["classes"][0], outputs["probabilities"][0])}


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """Lay out the tab's components and wire them to `backend`."""

    def run(picture):
        if picture is None:
            raise gr.Error("Upload an image or pick an example first.")
        try:
            return top_classes(backend, picture)
        except Exception as error:
            raise model_error(error) from error

    c = task.config
    what = "ImageNet's 1,000 classes" if c.dataset == "imagenet" else f"{c.dataset} ({', '.join(task.class_names)})"
    gr.Markdown(f"**{task.name.replace('_', ' ')}**: EfficientNet-Lite0 ({c.weights} weights) naming {what}. "
                f"Upload any PNG/JPEG; the model sees its central {c.crop:.0%} at {c.image_size} px.")
    with gr.Row():
        with gr.Column():
            upload = image_upload(MAX_PIXELS, label="Image", type="pil", image_mode="RGBA", height=256,
                                  elem_id=f"{task.name}-upload")
            button = gr.Button("Classify", variant="primary")
            gr.Examples([[f] for f in example_files(task, "classify", "image_bytes", artifacts_dir / "examples")], [upload], label="Test images")
        with gr.Column():
            label = gr.Label(num_top_classes=c.top_k, label=f"Top {c.top_k}", elem_id=f"{task.name}-classes")
    button.click(run, [upload], [label], api_name=f"{task.name}_classify")
    report = artifacts_dir / "accuracy.md"
    if report.is_file():
        gr.Markdown(f"From `python -m zoo evaluate {task.name}`:\n\n" + report.read_text())
    else:
        gr.Markdown(f"Run `python -m zoo evaluate {task.name}` to add its test accuracy here.")
