"""Autoencoder builders. Each returns a model named `<kind>_autoencoder` made of two
sub-models, `encoder` (images -> code) and `decoder` (code -> images), so a trained
autoencoder can be taken apart for encoding, decoding and latent-space plots.

    model = build_autoencoder("conv", image_shape=(8, 8, 1), code_size=4)
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")

The variational encoder outputs `[z_mean, z_log_var]`; `Sampling` draws a code while
training, adds the KL term, and passes `z_mean` through at inference.
"""
from __future__ import annotations

import math

import keras
from keras import layers, ops

from zoo.errors import ZooError

KINDS = ("dense", "conv", "denoising", "variational")


def build_autoencoder(
    kind: str,
    image_shape: tuple[int, int, int],
    code_size: int,
    *,
    kl_weight: float = 0.1,
    seed: int = 0,
) -> keras.Model:
    """The autoencoder of `kind` for images of `image_shape` with a `code_size` bottleneck."""
    if code_size < 1:
        raise ZooError(f"code_size must be a positive integer, got {code_size}")
    if kind == "dense":
        encoder, decoder = dense_encoder(image_shape, code_size), dense_decoder(image_shape, code_size)
    elif kind in ("conv", "denoising"):
        encoder, decoder = conv_encoder(image_shape, code_size), conv_decoder(image_shape, code_size)
    elif kind == "variational":
        encoder, decoder = conv_encoder(image_shape, code_size, variational=True), conv_decoder(image_shape, code_size)
    else:
        raise ZooError(f"unknown autoencoder kind {kind!r}; available: {', '.join(KINDS)}")
    images = keras.Input(image_shape, name="images")
    code = encoder(images)
    if kind == "variational":
        code = Sampling(kl_weight=kl_weight / math.prod(image_shape), seed=seed, name="sampling")(code)
    return keras.Model(images, decoder(code), name=f"{kind}_autoencoder")


def dense_encoder(image_shape: tuple[int, int, int], code_size: int) -> keras.Model:
    images = keras.Input(image_shape)
    x = layers.Flatten()(images)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dense(128, activation="relu")(x)
    return keras.Model(images, layers.Dense(code_size, name="code")(x), name="encoder")


def dense_decoder(image_shape: tuple[int, int, int], code_size: int) -> keras.Model:
    code = keras.Input((code_size,))
    x = layers.Dense(128, activation="relu")(code)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dense(math.prod(image_shape), activation="sigmoid")(x)
    return keras.Model(code, layers.Reshape(image_shape)(x), name="decoder")


def conv_encoder(image_shape: tuple[int, int, int], code_size: int, variational: bool = False) -> keras.Model:
    images = keras.Input(image_shape)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(images)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    if variational:
        outputs = [layers.Dense(code_size, name="z_mean")(x), layers.Dense(code_size, name="z_log_var")(x)]
        return keras.Model(images, outputs, name="encoder")
    return keras.Model(images, layers.Dense(code_size, name="code")(x), name="encoder")


def conv_decoder(image_shape: tuple[int, int, int], code_size: int) -> keras.Model:
    height, width, channels = image_shape
    small_h, small_w = math.ceil(height / 4), math.ceil(width / 4)
    code = keras.Input((code_size,))
    x = layers.Dense(128, activation="relu")(code)
    x = layers.Dense(small_h * small_w * 64, activation="relu")(x)
    x = layers.Reshape((small_h, small_w, 64))(x)
    x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Cropping2D(((0, 4 * small_h - height), (0, 4 * small_w - width)))(x)
    return keras.Model(code, layers.Conv2D(channels, 3, padding="same", activation="sigmoid")(x), name="decoder")


@keras.saving.register_keras_serializable(package="zoo")
class Sampling(layers.Layer):
    """Reparameterized sample z = mean + exp(log_var / 2) * eps, adding `kl_weight` * KL(q || N(0, I)).

    At inference (training=False) it returns the mean, so served codes are deterministic.
    """

    def __init__(self, kl_weight: float = 1.0, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        z_mean, z_log_var = inputs
        kl = -0.5 * ops.mean(ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1))
        self.add_loss(self.kl_weight * kl)
        if not training:
            return z_mean
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}
