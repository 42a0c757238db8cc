"""The one config object of the autoencoder tasks.

    AutoencoderConfig(kind="conv", dataset="digits", code_size=8)
"""
from __future__ import annotations

import dataclasses
from typing import Literal

from zoo.config import TaskConfig


@dataclasses.dataclass
class AutoencoderConfig(TaskConfig):
    """`kind` picks the builder; `code_size` is the bottleneck width.

    `noise_std` is the Gaussian noise the denoising kind learns to remove (pixels in [0, 1]);
    `kl_weight` scales the variational kind's KL term. `comparison_code_sizes` are the
    bottlenecks `evaluate` trains at to compare with PCA, for `comparison_epochs` each.
    """

    kind: Literal["dense", "conv", "denoising", "variational"] = "conv"
    dataset: Literal["digits", "faces"] = "digits"
    code_size: int = 8
    noise_std: float = 0.3
    kl_weight: float = 0.1
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 2e-3
    comparison_code_sizes: tuple[int, ...] = (2, 4, 8, 16, 32)
    comparison_epochs: int = 100
