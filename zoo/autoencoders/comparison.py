"""Autoencoder vs PCA at equal code size: reconstruction error on held-out images.

PCA is the best *linear* code of a given size; a nonlinear autoencoder should need fewer
numbers per image for the same error, most visibly at small codes.

    rows = compare_with_pca(split, kind="conv", code_sizes=(2, 4, 8), epochs=60)
    rows[0]  # ComparisonRow(code_size=2, pca_mse=0.053, autoencoder_mse=0.030)
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import keras
import numpy as np
from sklearn.decomposition import PCA
from tqdm.auto import tqdm

from zoo.autoencoders.data import Part, make_dataset
from zoo.autoencoders.models import build_autoencoder
from zoo.task import Splits


@dataclasses.dataclass(frozen=True)
class ComparisonRow:
    code_size: int
    pca_mse: float
    autoencoder_mse: float

    @property
    def ratio(self) -> float:
        """Autoencoder error as a fraction of PCA error (below 1: the autoencoder wins)."""
        return self.autoencoder_mse / self.pca_mse


def reconstruction_mse(original: np.ndarray, reconstructed: np.ndarray) -> float:
    """Mean squared error per pixel."""
    return float(np.mean((np.asarray(original, "float64") - np.asarray(reconstructed, "float64")) ** 2))


def pca_mse(split: Splits[Part], code_size: int, seed: int = 0) -> float:
    """Test error of PCA with `code_size` components fitted on the training images."""
    train = split.train.images.reshape(len(split.train.images), -1)
    test = split.test.images.reshape(len(split.test.images), -1)
    pca = PCA(n_components=code_size, random_state=seed).fit(train)
    return reconstruction_mse(test, pca.inverse_transform(pca.transform(test)))


def autoencoder_mse(
    split: Splits[Part],
    kind: str,
    code_size: int,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    noise_std: float = 0.0,
    kl_weight: float = 0.1,
    seed: int = 0,
) -> float:
    """Train an autoencoder of `kind` at `code_size` on the training images; its test error."""
    keras.utils.set_random_seed(seed)
    model = build_autoencoder(kind, split.train.images.shape[1:], code_size, kl_weight=kl_weight, seed=seed)
    model.compile(keras.optimizers.Adam(learning_rate), "mse")
    model.fit(
        make_dataset(split.train.images, batch_size, shuffle=True, seed=seed, noise_std=noise_std),
        epochs=epochs,
        verbose=0,
        shuffle=False,  # the tf.data pipeline shuffles
    )
    return reconstruction_mse(split.test.images, model.predict(split.test.images, verbose=0))


def compare_with_pca(
    split: Splits[Part],
    kind: str,
    code_sizes: Sequence[int],
    *,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 2e-3,
    noise_std: float = 0.0,
    kl_weight: float = 0.1,
    seed: int = 0,
) -> list[ComparisonRow]:
    """One row per code size: PCA's and a freshly trained autoencoder's held-out error."""
    rows = []
    for code_size in tqdm(code_sizes, desc=f"{kind} autoencoder vs PCA", unit="code size"):
        rows.append(
            ComparisonRow(
                code_size,
                pca_mse(split, code_size, seed),
                autoencoder_mse(
                    split, kind, code_size, epochs=epochs, batch_size=batch_size,
                    learning_rate=learning_rate, noise_std=noise_std, kl_weight=kl_weight, seed=seed,
                ),
            )
        )
    return rows
