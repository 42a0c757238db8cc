"""The captioning model: a CNN image encoder whose feature grid a Transformer decoder attends to.

    model = build_captioner(vocabulary, CaptioningConfig(image_size=48))
    logits = model({"images": images, "token_ids": token_ids})     # [N, T, vocabulary]

- `image_encoder` (a sub-model): images in [0, 1] -> [N, grid cells, embed_dim]. Either
  EfficientNet-Lite0 (`backbone="efficientnet_lite0"`, the default: stride 32, ImageNet weights
  converted offline with `pretrained=True`, frozen except its top `trainable_blocks` blocks),
  a small CNN (`small_cnn`, stride 8, trained from scratch) or a `keras.applications` backbone
  (`mobilenet_v3_small`, `efficientnet_b0`; ImageNet weights with `pretrained=True`, which
  downloads), projected to `embed_dim`, plus a learned position embedding per grid cell.
- `caption_decoder` (`CaptionDecoder`): keras-hub `TokenAndPositionEmbedding` and
  `TransformerDecoder` blocks (causal self-attention, cross-attention over the grid), then
  logits over the vocabulary it stores in its config.
"""
from __future__ import annotations

import keras
import keras_hub
import tensorflow as tf

from zoo.captioning.config import CaptioningConfig
from zoo.cross_attention import cross_attention_scores
from zoo.errors import ZooError
from zoo.imagenet.models import backbone_block_groups, imagenet_features

APPLICATIONS = {
    # both take [0, 255] inputs and rescale them themselves
    "mobilenet_v3_small": keras.applications.MobileNetV3Small,
    "efficientnet_b0": keras.applications.EfficientNetB0,
}
BACKBONES = ("efficientnet_lite0", "small_cnn", *APPLICATIONS)


@keras.saving.register_keras_serializable(package="zoo.captioning")
class CaptionDecoder(keras.layers.Layer):
    """Token ids [N, T] and an image feature grid [N, cells, embed_dim] -> logits [N, T, words].

    `vocabulary` is kept in the config, so a saved model carries its words.
    """

    def __init__(self, vocabulary: list[str], max_tokens: int, embed_dim: int, num_layers: int,
                 num_heads: int, intermediate_dim: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = list(vocabulary)
        self.max_tokens = max_tokens
        self.embed_dim = embed_dim
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.embedding = keras_hub.layers.TokenAndPositionEmbedding(
            len(self.vocabulary), max_tokens, embed_dim, name="token_embedding")
        self.blocks = [
            keras_hub.layers.TransformerDecoder(intermediate_dim, num_heads, dropout=dropout, name=f"decoder_block_{i}")
            for i in range(num_layers)
        ]
        self.to_logits = keras.layers.Dense(len(self.vocabulary), name="word_logits")

    def build(self, token_ids_shape, grid_shape) -> None:
        self.embedding.build(token_ids_shape)
        sequence_shape = (*token_ids_shape, self.embed_dim)
        for block in self.blocks:
            block.build(sequence_shape, grid_shape)
        self.to_logits.build(sequence_shape)

    def hidden_states(self, token_ids: tf.Tensor, grid: tf.Tensor, training: bool | None = None) -> list[tf.Tensor]:
        """The input of each decoder block and the final states: num_layers + 1 tensors."""
        states = [self.embedding(token_ids)]
        for block in self.blocks:
            states.append(block(states[-1], grid, training=training))
        return states

    def call(self, token_ids: tf.Tensor, grid: tf.Tensor, training: bool | None = None) -> tf.Tensor:
        return self.to_logits(self.hidden_states(token_ids, grid, training)[-1])

    def cross_attention(self, token_ids: tf.Tensor, grid: tf.Tensor) -> tf.Tensor:
        """Attention of the last block over the grid, averaged over heads: [N, T, cells]."""
        scores = cross_attention_scores(self.blocks[-1], self.hidden_states(token_ids, grid)[-2], grid)
        return tf.reduce_mean(scores, axis=1)

    def get_config(self) -> dict:
        return {
            **super().get_config(), "vocabulary": self.vocabulary, "max_tokens": self.max_tokens,
            "embed_dim": self.embed_dim, "num_layers": self.num_layers, "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim, "dropout": self.dropout,
        }


def small_cnn(image_size: int, width: int) -> keras.Model:
    """Three conv blocks, each halving the resolution: a [size/8, size/8, width] feature grid."""
    images = keras.Input((image_size, image_size, 3))
    x = images
    for filters in (width // 4, width // 2, width):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    return keras.Model(images, x, name="small_cnn")


def application_backbone(name: str, image_size: int, pretrained: bool) -> keras.Model:
    """A `keras.applications` feature extractor taking [0, 1] images (rescaled to its [0, 255])."""
    if image_size < 32:
        raise ZooError(f"backbone {name!r} needs image_size >= 32, got {image_size}")
    images = keras.Input((image_size, image_size, 3))
    backbone = APPLICATIONS[name](include_top=False, weights="imagenet" if pretrained else None,
                                  input_shape=(image_size, image_size, 3))
    return keras.Model(images, backbone(images * 255.0), name=name)


def lite0_backbone(image_size: int, pretrained: bool, trainable_blocks: int) -> keras.Model:
    """EfficientNet-Lite0's feature map of [0, 1] images; with `pretrained`, the ImageNet weights
    with only the top `trainable_blocks` layer groups (the top conv counts as one) trainable."""
    images = keras.Input((image_size, image_size, 3))
    model = keras.Model(images, imagenet_features(images, "imagenet" if pretrained else "random"),
                        name="efficientnet_lite0")
    if pretrained:
        groups = backbone_block_groups(model.get_layer("backbone"))
        for depth, group in enumerate(groups):
            for layer in group:  # batch norms stay frozen (see efficientnet_backbone)
                layer.trainable = depth >= len(groups) - trainable_blocks and layer.trainable
    return model


def build_image_encoder(config: CaptioningConfig) -> keras.Model:
    """Images [N, S, S, 3] in [0, 1] -> feature grid [N, cells, embed_dim] with cell positions."""
    if config.backbone not in BACKBONES:
        raise ZooError(f"unknown backbone {config.backbone!r}; available: {', '.join(BACKBONES)}")
    images = keras.Input((config.image_size, config.image_size, 3), name="images")
    if config.backbone == "small_cnn":
        features = small_cnn(config.image_size, config.embed_dim)(images)
    elif config.backbone == "efficientnet_lite0":
        features = lite0_backbone(config.image_size, config.pretrained, config.trainable_blocks)(images)
    else:
        features = application_backbone(config.backbone, config.image_size, config.pretrained)(images)
    height, width, channels = features.shape[1:]
    grid = keras.layers.Reshape((height * width, channels))(features)
    grid = keras.layers.Dense(config.embed_dim, name="grid_projection")(grid)
    grid = grid + keras_hub.layers.PositionEmbedding(height * width, name="grid_positions")(grid)
    grid = keras.layers.LayerNormalization(name="grid_norm")(grid)
    return keras.Model(images, grid, name="image_encoder")


def build_captioner(vocabulary: list[str], config: CaptioningConfig) -> keras.Model:
    """The training model: {"images", "token_ids"} -> next-word logits at every position."""
    encoder = build_image_encoder(config)
    images = keras.Input((config.image_size, config.image_size, 3), name="images")
    token_ids = keras.Input((config.max_tokens - 1,), dtype="int32", name="token_ids")
    decoder = CaptionDecoder(vocabulary, config.max_tokens, config.embed_dim, config.num_layers,
                             config.num_heads, config.intermediate_dim, config.dropout, name="caption_decoder")
    logits = decoder(token_ids, encoder(images))
    return keras.Model({"images": images, "token_ids": token_ids}, logits, name="captioner")
