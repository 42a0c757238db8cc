"""Real images that ship inside installed packages, as `tf.data` pipelines for autoencoders.

- `digits`: scikit-learn's 1,797 handwritten digits, 8x8, with their labels.
- `faces`: scikit-image's LFW subset, 200 grayscale 25x25 crops (label 1 = face, 0 = not).

Pixels are float32 in [0, 1], shape (height, width, 1). Splits are 70/15/15, fixed by seed.

    images, labels = load_images("digits")
    split = split_images(images, labels, seed=0)
    ds = make_dataset(split.train.images, batch_size=32, shuffle=True, seed=0)
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import tensorflow as tf

from zoo.errors import ZooError
from zoo.task import Splits

DATASETS = ("digits", "faces")


@functools.cache
def load_images(name: str) -> tuple[np.ndarray, np.ndarray]:
    """All images of a dataset (float32, [N, H, W, 1], in [0, 1]) and their integer labels."""
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = digits.images.astype("float32") / 16.0
        labels = digits.target.astype("int32")
    elif name == "faces":
        from skimage.data import lfw_subset

        images = lfw_subset().astype("float32")
        labels = np.array([1] * 100 + [0] * 100, dtype="int32")
    else:
        raise ZooError(f"unknown image dataset {name!r}; available: {', '.join(DATASETS)}")
    return images[..., None], labels


@dataclasses.dataclass(frozen=True)
class Part:
    images: np.ndarray
    labels: np.ndarray


def split_images(images: np.ndarray, labels: np.ndarray, seed: int = 0) -> Splits[Part]:
    """A deterministic shuffled 70/15/15 split."""
    order = np.random.default_rng(seed).permutation(len(images))
    n_train, n_val = int(0.7 * len(images)), int(0.15 * len(images))
    parts = np.split(order, [n_train, n_train + n_val])
    return Splits(*(Part(images[idx], labels[idx]) for idx in parts))


def make_dataset(
    images: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int = 0,
    noise_std: float = 0.0,
) -> tf.data.Dataset:
    """Batches of (input, target) pairs; with `noise_std`, inputs are noisy copies of targets."""
    ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if noise_std > 0:
        noise_seed = tf.random.Generator.from_seed(seed)

        def add_noise(clean: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            noisy = clean + noise_seed.normal(tf.shape(clean), stddev=noise_std)
            return tf.clip_by_value(noisy, 0.0, 1.0), clean

        return ds.map(add_noise).prefetch(tf.data.AUTOTUNE)
    return ds.map(lambda clean: (clean, clean)).prefetch(tf.data.AUTOTUNE)
