"""The config of the ImageNet-network tasks.

    ImageClassifierConfig()                                   # ImageNet top-5, nothing to train
    ImageClassifierConfig(dataset="faces", frozen_epochs=4, epochs=12, layer_decay=0.8)
    ImageClassifierConfig(dataset="faces", weights="random", frozen_epochs=0, backbone_lr_scale=1.0)
"""
from __future__ import annotations

import dataclasses
from typing import Literal

from zoo.config import TaskConfig
from zoo.errors import ZooError


@dataclasses.dataclass
class ImageClassifierConfig(TaskConfig):
    """Data, network and fine-tuning schedule of an EfficientNet-Lite0 classifier.

    Data: `dataset` is `imagenet` (the published 1000-class head; `evaluate` scores labelled
    sample photos) or `faces` (scikit-image's LFW subset, faces vs non-faces, 70/15/15 split).
    Images are cut to their central `crop` fraction (of the shorter side) and resized to `image_size`.
    Network: `weights` `imagenet` (the converted release) or `random` (the same network from scratch).
    Schedule: for the first `frozen_epochs` only the new head learns; then the backbone too, at
    `backbone_lr_scale` times `learning_rate` for its top block and `layer_decay` times less per
    block below it (layer-wise learning-rate decay; 1: the same rate everywhere).
    Serving: the `top_k` likeliest classes.
    """

    dataset: Literal["imagenet", "faces"] = "imagenet"
    weights: Literal["imagenet", "random"] = "imagenet"
    image_size: int = 224
    crop: float = 224 / 256
    frozen_epochs: int = 0
    backbone_lr_scale: float = 0.1
    layer_decay: float = 1.0
    dropout: float = 0.2
    top_k: int = 5
    epochs: int = 0
    batch_size: int = 16
    learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        if not 0 < self.crop <= 1:
            raise ZooError(f"config field 'crop' must be in (0, 1], got {self.crop}")
        if self.dataset == "imagenet" and (self.weights != "imagenet" or self.epochs):
            raise ZooError("dataset 'imagenet' serves the published head: it needs weights='imagenet' and epochs=0")
