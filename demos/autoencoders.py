"""The autoencoder demo tab: draw or upload a digit, see what the model sees, its
reconstruction and code; the code placed on the latent map of held-out digits; and the
PCA comparison from `python -m zoo evaluate`.

Built by `demos.app` with a backend (in-process model or TF Serving); imports no serving code.
"""
from __future__ import annotations

import io
from pathlib import Path

import gradio as gr
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from demos.errors import model_error  # noqa: E402
from demos.examples import example_files  # noqa: E402
from demos.images import image_upload  # noqa: E402

DISPLAY_SIZE = 192


def png_bytes(image: np.ndarray | Image.Image) -> bytes:
    """PNG-encode an RGB(A) or grayscale image, compositing transparency onto white."""
    picture = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image).astype("uint8"))
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, picture)
    buffer = io.BytesIO()
    picture.convert("L").save(buffer, format="PNG")
    return buffer.getvalue()


def enlarge(image: np.ndarray) -> np.ndarray:
    """A [H, W, 1] image in [0, 1] as a uint8 picture big enough to see, pixels kept sharp."""
    pixels = (np.clip(image[..., 0], 0, 1) * 255).astype("uint8")
    return np.asarray(Image.fromarray(pixels).resize((DISPLAY_SIZE, DISPLAY_SIZE), Image.NEAREST))


def sketch_image(sketch: dict | np.ndarray | None) -> np.ndarray | None:
    """The drawn picture of a Sketchpad value, or None if nothing was drawn."""
    if sketch is None:
        return None
    image = sketch.get("composite") if isinstance(sketch, dict) else sketch
    if image is None:
        return None
    image = np.asarray(image)
    has_alpha = image.ndim == 3 and image.shape[-1] == 4
    drawn = image[..., 3].max() > 0 if has_alpha else image.min() < 255
    return image if drawn else None


class LatentMap:
    """Codes of the held-out images, fetched once through the backend, plotted with a query point."""

    def __init__(self, task, backend):
        self.task, self.backend = task, backend
        self._points: np.ndarray | None = None
        self._projection: PCA | None = None

    def _project(self, codes: np.ndarray) -> np.ndarray:
        if codes.shape[1] <= 2:
            return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1])))
        return self._projection.transform(codes)

    def figure(self, query_code: np.ndarray | None = None) -> plt.Figure:
        test = self.task.split.test
        if self._points is None:
            codes = self.backend.predict({"images": test.images}, signature_name="encode")["codes"]
            if codes.shape[1] > 2:
                self._projection = PCA(2, random_state=0).fit(codes)
            self._points = self._project(codes)
        fig, ax = plt.subplots(figsize=(5, 4))
        scatter = ax.scatter(self._points[:, 0], self._points[:, 1], c=test.labels, cmap="tab10", s=8, alpha=0.6)
        fig.colorbar(scatter, ax=ax, label="label")
        if query_code is not None:
            point = self._project(query_code[None, :])[0]
            ax.scatter([point[0]], [point[1]], marker="*", s=400, c="black", edgecolors="white", label="your image")
            ax.legend(loc="upper right")
        ax.set_title("latent space of held-out images" + (" (PCA of codes)" if self._projection else ""))
        fig.tight_layout()
        return fig


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """Lay out the tab's components and wire them to `backend`."""
    latent_map = LatentMap(task, backend)
    denoising = task.config.kind == "denoising"

    def reconstruct(sketch, upload, noise):
        picture = upload if upload is not None else sketch_image(sketch)
        if picture is None:
            raise gr.Error("Draw something on the canvas or upload an image first.")
        try:
            outputs = backend.predict({"image_bytes": np.array([png_bytes(picture)], dtype=object)},
                                      signature_name="reconstruct_image_bytes")
            model_input = outputs["model_inputs"]
            if noise > 0:
                rng = np.random.default_rng(0)
                model_input = np.clip(model_input + rng.normal(0, noise, model_input.shape), 0, 1).astype("float32")
                outputs = backend.predict({"images": model_input})
        except Exception as error:
            raise model_error(error) from error
        code = outputs["codes"][0]
        return (
            enlarge(model_input[0]),
            enlarge(outputs["reconstructions"][0]),
            ", ".join(f"{value:.3f}" for value in code),
            latent_map.figure(code),
        )

    gr.Markdown(
        f"**{task.name.replace('_', ' ')}**: {task.config.kind} autoencoder, {task.config.code_size}-number code, "
        f"trained on {task.config.dataset}. Draw a digit (light or dark background both work) or upload an image."
    )
    with gr.Row():
        with gr.Column():
            sketch = gr.Sketchpad(label="Draw a digit", type="numpy", canvas_size=(280, 280))
            upload = image_upload(label="...or upload an image", type="numpy", image_mode="RGB", elem_id=f"{task.name}-upload")
            noise = gr.Slider(0, 0.6, value=0.3 if denoising else 0.0, step=0.05,
                              label="Gaussian noise added to the model input")
            button = gr.Button("Reconstruct", variant="primary")
            gr.Examples([[f] for f in example_files(task, "reconstruct_image_bytes", "image_bytes", artifacts_dir / "examples")],
                        [upload], label="Held-out images")
        with gr.Column():
            with gr.Row():
                seen = gr.Image(label="Model input", height=DISPLAY_SIZE, width=DISPLAY_SIZE, format="png", elem_id=f"{task.name}-input")
                reconstruction = gr.Image(label="Reconstruction", height=DISPLAY_SIZE, width=DISPLAY_SIZE, format="png", elem_id=f"{task.name}-reconstruction")
            code = gr.Textbox(label="Latent code", elem_id=f"{task.name}-code")
            latent = gr.Plot(label="Latent space")
    button.click(reconstruct, [sketch, upload, noise], [seen, reconstruction, code, latent], api_name=f"{task.name}_reconstruct")
    figures = [artifacts_dir / name for name in ("comparison.png", "reconstructions.png")]
    existing = [str(path) for path in figures if path.is_file()]
    if existing:
        gr.Gallery(existing, label="From `python -m zoo evaluate`: autoencoder vs PCA, held-out reconstructions",
                   columns=2, height="auto", object_fit="contain", elem_id=f"{task.name}-figures")
    else:
        gr.Markdown(f"Run `python -m zoo evaluate {task.name}` to add the PCA comparison here.")
