"""The autoencoder tasks: data, model, evaluation against PCA, and serving endpoints.

    task = zoo.get_task("conv_autoencoder", code_size=4, epochs=50)
    model = zoo.train(task)
    report = task.evaluate(model, Path("models/conv_autoencoder/evaluation"))
    print(report.tables["comparison"])
    task.endpoints(model)[1](image_bytes=[open("digit.png", "rb").read()])["codes"]
"""
from __future__ import annotations

import csv
import functools
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.decomposition import PCA

from zoo.autoencoders.comparison import compare_with_pca, pca_mse, reconstruction_mse
from zoo.autoencoders.config import AutoencoderConfig
from zoo.autoencoders.data import Part, load_images, make_dataset, split_images
from zoo.autoencoders.models import build_autoencoder
from zoo.endpoint import Endpoint
from zoo.plots import save_image_grid, save_image_rows, save_lines, save_scatter
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task

SERVING_EXAMPLES = 4
"""Held-out images (and as many codes) the endpoints carry as examples: the demo offers them."""


class AutoencoderTask(Task):
    """Dense, convolutional, denoising or variational autoencoder (`config.kind`)."""

    config_class = AutoencoderConfig
    config: AutoencoderConfig

    @functools.cached_property
    def split(self) -> Splits[Part]:
        return split_images(*load_images(self.config.dataset), seed=self.config.seed)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.split.train.images.shape[1:])

    @property
    def training_noise(self) -> float:
        return self.config.noise_std if self.config.kind == "denoising" else 0.0

    def datasets(self) -> Splits:
        c = self.config
        return Splits(
            train=make_dataset(self.split.train.images, c.batch_size, shuffle=True, seed=c.seed, noise_std=self.training_noise),
            validation=make_dataset(self.split.validation.images, 256, seed=c.seed + 1, noise_std=self.training_noise),
            test=make_dataset(self.split.test.images, 256, seed=c.seed + 2, noise_std=self.training_noise),
        )

    def build_model(self) -> keras.Model:
        c = self.config
        return build_autoencoder(c.kind, self.image_shape, c.code_size, kl_weight=c.kl_weight, seed=c.seed)

    def encode(self, model: keras.Model, images: tf.Tensor) -> tf.Tensor:
        """Codes of `images`: the encoder's output (its mean for the variational kind)."""
        codes = model.get_layer("encoder")(images, training=False)
        return codes[0] if isinstance(codes, (list, tuple)) else codes

    def decode(self, model: keras.Model, codes: tf.Tensor) -> tf.Tensor:
        return model.get_layer("decoder")(codes, training=False)

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        c = self.config
        test = self.split.test
        noisy_inputs = next(iter(make_dataset(test.images, len(test.images), seed=c.seed + 2, noise_std=self.training_noise)))[0].numpy()
        reconstructions = model.predict(noisy_inputs, verbose=0)
        codes = self.encode(model, test.images).numpy()
        metrics = {
            "test_mse": reconstruction_mse(test.images, reconstructions),
            "pca_test_mse": pca_mse(self.split, c.code_size, c.seed),
        }
        files = [
            save_image_rows(
                out_dir / "reconstructions.png",
                {**({"noisy input": noisy_inputs[:12]} if self.training_noise else {}),
                 "reconstruction": reconstructions[:12], "original": test.images[:12]},
                title=f"{self.name}: held-out images",
            ),
            self._latent_plot(out_dir / "latent_space.png", codes, test.labels),
        ]
        if c.kind == "variational" and c.code_size == 2:
            files.append(self._manifold_plot(model, out_dir / "manifold.png"))
        tables = {}
        if c.comparison_code_sizes:
            rows = compare_with_pca(
                self.split, "conv" if c.kind == "denoising" else c.kind, c.comparison_code_sizes,
                epochs=c.comparison_epochs, batch_size=c.batch_size, learning_rate=c.learning_rate,
                noise_std=self.training_noise, kl_weight=c.kl_weight, seed=c.seed,
            )
            header = ["code size", "PCA MSE", f"{c.kind} autoencoder MSE", "autoencoder / PCA"]
            table_rows = [[r.code_size, r.pca_mse, r.autoencoder_mse, r.ratio] for r in rows]
            tables["comparison"] = markdown_table(header, table_rows)
            with open(out_dir / "comparison.csv", "w", newline="") as handle:
                csv.writer(handle).writerows([header, *table_rows])
            files += [
                out_dir / "comparison.csv",
                save_lines(
                    out_dir / "comparison.png", [r.code_size for r in rows],
                    {"PCA": [r.pca_mse for r in rows], f"{c.kind} autoencoder": [r.autoencoder_mse for r in rows]},
                    title=f"Held-out reconstruction error ({c.dataset}, {c.comparison_epochs} epochs)",
                    xlabel="code size", ylabel="MSE per pixel", log_y=True,
                ),
            ]
        return Report(metrics, tables, files)

    def _latent_plot(self, path: Path, codes: np.ndarray, labels: np.ndarray) -> Path:
        if codes.shape[1] == 1:
            points, axes = np.concatenate([codes, np.zeros_like(codes)], axis=1), ("code", "")
        elif codes.shape[1] == 2:
            points, axes = codes, ("code 1", "code 2")
        else:
            points, axes = PCA(2, random_state=0).fit_transform(codes), ("code PC 1", "code PC 2")
        return save_scatter(path, points, labels, f"{self.name}: codes of held-out {self.config.dataset}", axes)

    def _manifold_plot(self, model: keras.Model, path: Path, steps: int = 15) -> Path:
        """Decode a grid of 2-D codes spanning the prior's central mass: the learned manifold."""
        axis = np.linspace(-2, 2, steps, dtype="float32")
        codes = np.stack(np.meshgrid(axis, -axis), axis=-1).reshape(-1, 2)
        images = self.decode(model, codes).numpy().reshape(steps, steps, *self.image_shape)
        return save_image_grid(path, images, f"{self.name}: decoded codes on a grid over [-2, 2]^2")

    def preprocess_image_bytes(self, image_bytes: tf.Tensor) -> tf.Tensor:
        """Decode PNG/JPEG/GIF/BMP bytes of any size to the training images' format.

        Area-resized to the training size, grayscale in [0, 1]. For digits, an image drawn dark
        on light is inverted and contrast is stretched, since the training digits are bright
        ink on black with full contrast.
        """
        height, width, channels = self.image_shape

        def decode_one(data: tf.Tensor) -> tf.Tensor:
            image = tf.io.decode_image(data, channels=channels, expand_animations=False)
            image = tf.image.convert_image_dtype(image, tf.float32)
            return tf.image.resize(image, (height, width), method="area", antialias=True)

        images = tf.map_fn(
            decode_one, image_bytes, fn_output_signature=tf.TensorSpec((height, width, channels), tf.float32)
        )
        if self.config.dataset == "digits":
            mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
            images = tf.where(mean > 0.5, 1.0 - images, images)
            peak = tf.reduce_max(images, axis=[1, 2, 3], keepdims=True)
            images = images / tf.maximum(peak, 1e-3)
        return images

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        images = self.split.test.images[:SERVING_EXAMPLES]
        codes = np.random.default_rng(0).standard_normal((SERVING_EXAMPLES, self.config.code_size)).astype("float32")
        return {
            "reconstruct": {"images": images},
            "reconstruct_image_bytes": {"image_bytes": np.array([_png(image) for image in images], dtype=object)},
            "encode": {"images": images},
            "decode": {"codes": codes},
        }

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        image_spec = tf.TensorSpec((None, *self.image_shape), tf.float32)
        examples = self.examples()

        def reconstruct(images: tf.Tensor) -> dict[str, tf.Tensor]:
            codes = self.encode(model, images)
            return {"reconstructions": self.decode(model, codes), "codes": codes}

        def reconstruct_image_bytes(image_bytes: tf.Tensor) -> dict[str, tf.Tensor]:
            images = self.preprocess_image_bytes(image_bytes)
            outputs = {**reconstruct(images), "model_inputs": images}
            pixels = tf.image.convert_image_dtype(outputs["reconstructions"], tf.uint8, saturate=True)
            outputs["reconstruction_png_bytes"] = tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)
            return outputs

        return [
            Endpoint(
                "reconstruct", reconstruct, {"images": image_spec}, examples["reconstruct"],
                "float images [N, H, W, 1] in [0, 1] -> reconstructions and codes",
            ),
            Endpoint(
                "reconstruct_image_bytes", reconstruct_image_bytes,
                {"image_bytes": tf.TensorSpec((None,), tf.string)}, examples["reconstruct_image_bytes"],
                "encoded PNG/JPEG images of any size -> the decoded model inputs, reconstructions (also as PNG) and codes",
            ),
            Endpoint(
                "encode", lambda images: {"codes": self.encode(model, images)},
                {"images": image_spec}, examples["encode"], "images -> codes",
            ),
            Endpoint(
                "decode", lambda codes: {"images": self.decode(model, codes)},
                {"codes": tf.TensorSpec((None, self.config.code_size), tf.float32)}, examples["decode"],
                "codes -> images (explore or sample the latent space; the examples are standard normal draws)",
            ),
        ]


def _png(image: np.ndarray) -> bytes:
    return tf.io.encode_png(tf.image.convert_image_dtype(image, tf.uint8, saturate=True)).numpy()
