"""The config of the captioning tasks.

    CaptioningConfig()                                        # emoji, pretrained EfficientNet-Lite0 (offline)
    CaptioningConfig(backbone="small_cnn", pretrained=False, image_size=64)   # a CNN learned from scratch
    CaptioningConfig(dataset="clipart", max_images=3000)      # openclipart renders
    CaptioningConfig(dataset="folder", image_dir="Flickr8k_Dataset",
                     captions_file="Flickr8k.token.txt", image_size=128)
    CaptioningConfig(backbone="efficientnet_b0", pretrained=True, image_size=224)   # downloads
"""
from __future__ import annotations

import dataclasses
from typing import Literal

from zoo.config import TaskConfig
from zoo.errors import ZooError


@dataclasses.dataclass
class CaptioningConfig(TaskConfig):
    """Data, model and decoding settings of an image captioning task.

    Data: `dataset` is `emoji`, `clipart` or `folder` (`image_dir` + a Flickr8k-format
    `captions_file`); `max_images` caps it (0: all). Images are resized to `image_size`.
    Augmentation (training only): horizontal flips with probability `flip` (the words "left"
    and "right" in the caption are swapped with the picture), rotations up to `rotation` of a
    full turn, and brightness/contrast/saturation jitter of +-`color_jitter`.
    Vocabulary: training-caption words seen `min_word_count` times; captions are cut to
    `max_tokens` ids including start and end.
    Model: `backbone` (`efficientnet_lite0`: ImageNet weights converted offline with `pretrained`,
    frozen but for its top `trainable_blocks` blocks; `small_cnn`, trained from scratch;
    `mobilenet_v3_small`, `efficientnet_b0`: `pretrained` downloads ImageNet weights) and a
    Transformer decoder of `num_layers` blocks. Decoding: `beam_width` for the examples and the evaluation's beam row; the best beam
    has the highest log-probability / length ** `length_penalty` (0: summed, the likeliest caption;
    1: mean per word).
    """

    dataset: Literal["emoji", "clipart", "folder"] = "emoji"
    image_dir: str = ""
    captions_file: str = ""
    max_images: int = 0
    image_size: int = 96
    flip: float = 0.5
    rotation: float = 0.04
    color_jitter: float = 0.15
    min_word_count: int = 1
    max_tokens: int = 12
    backbone: str = "efficientnet_lite0"
    pretrained: bool = True
    trainable_blocks: int = 0
    embed_dim: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_dim: int = 256
    dropout: float = 0.1
    beam_width: int = 3
    length_penalty: float = 0.0
    epochs: int = 12
    batch_size: int = 32
    learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        if self.length_penalty < 0:
            raise ZooError(f"config field 'length_penalty' must be >= 0 (0: summed log-probability), "
                           f"got {self.length_penalty}")
