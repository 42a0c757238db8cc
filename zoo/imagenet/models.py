"""EfficientNet-Lite0 classifiers: keras-hub's backbone, ImageNet weights or random, a new or the
published head, and a gradient gate that keeps the backbone frozen for the first steps.

    model = build_image_classifier(ImageClassifierConfig(dataset="faces", frozen_epochs=3), 2, steps_per_epoch=9)
    logits = model(images)                         # images [N, S, S, 3] in [0, 1]
    groups = backbone_block_groups(model.get_layer("backbone"))   # stem, 16 blocks, top; for LLRD
    grid = imagenet_features(keras.Input((96, 96, 3)), "imagenet")  # [N, 3, 3, 1280], for other models

A pretrained backbone's batch norms stay frozen in inference mode (the ImageNet statistics, as is
usual when fine-tuning on a few hundred images); its convolutions learn once the gate opens. From
random weights, every layer trains, batch norms included.
"""
from __future__ import annotations

import keras
import keras_hub

from zoo.imagenet.config import ImageClassifierConfig
from zoo.imagenet.preprocessing import MEAN, STD
from zoo.imagenet.weights import LITE0, load_pretrained_classifier, pretrained_preset


@keras.saving.register_keras_serializable(package="zoo.imagenet")
class GradientGate(keras.layers.Layer):
    """Identity going forward; going back, no gradient for the first `closed_steps` training steps,
    then all of it: a frozen-then-unfrozen schedule inside one `fit`, kept across resumes (the step
    count is a weight). It counts training calls: give `fit` data of known length, since Keras
    makes one more call per epoch to find the end of data of unknown length."""

    def __init__(self, closed_steps: int, **kwargs):
        super().__init__(**kwargs)
        self.closed_steps = closed_steps

    def build(self, input_shape) -> None:
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False, name="steps")

    def call(self, inputs, training=None):
        if training:
            self.steps.assign_add(1.0)
        opened = keras.ops.cast(self.steps > self.closed_steps, inputs.dtype)
        return opened * inputs + (1.0 - opened) * keras.ops.stop_gradient(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "closed_steps": self.closed_steps}


def efficientnet_backbone(weights: str) -> keras_hub.models.EfficientNetBackbone:
    """EfficientNet-Lite0's backbone with the converted ImageNet weights, its batch norms frozen
    (a non-trainable BatchNormalization runs in inference mode), or randomly initialized."""
    if weights != "imagenet":
        return keras_hub.models.EfficientNetBackbone(**LITE0, name="backbone")
    backbone = keras_hub.models.EfficientNetBackbone.from_preset(str(pretrained_preset()), name="backbone")
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return backbone


def backbone_block_groups(backbone: keras.Model) -> list[list[keras.layers.Layer]]:
    """Layer groups of an EfficientNet backbone, bottom to top: the stem, each block, the top conv."""
    groups: dict[str, list[keras.layers.Layer]] = {}
    for layer in backbone.layers:
        if layer.weights:
            groups.setdefault(layer.name.split("_")[0], []).append(layer)  # block1a_dwconv -> block1a
    return [groups.pop("stem"), *[groups[k] for k in groups if k.startswith("block")], groups["top"]]


def imagenet_features(images: keras.KerasTensor, weights: str) -> keras.KerasTensor:
    """Images in [0, 1] (a Keras tensor) -> the backbone's top feature map (stride 32, 1,280
    channels), pixels scaled as the release was trained."""
    scaled = keras.layers.Rescaling(255.0 / STD, offset=-MEAN / STD, name="scale_pixels")(images)
    return efficientnet_backbone(weights)(scaled)


def build_image_classifier(config: ImageClassifierConfig, num_classes: int, steps_per_epoch: int = 1) -> keras.Model:
    """Images in [0, 1] -> class logits: scaling, backbone (gated), average pooling, dropout, dense.

    With `dataset="imagenet"` the dense layer is the published 1000-class head.
    """
    images = keras.Input((config.image_size, config.image_size, 3), name="images")
    features = GradientGate(config.frozen_epochs * steps_per_epoch, name="freeze_gate")(
        imagenet_features(images, config.weights))
    pooled = keras.layers.GlobalAveragePooling2D(name="pooler")(features)
    head = keras.layers.Dense(num_classes, name="predictions")
    logits = head(keras.layers.Dropout(config.dropout, name="output_dropout")(pooled))
    if config.dataset == "imagenet":
        head.set_weights(load_pretrained_classifier().output_dense.get_weights())
    return keras.Model(images, logits, name="image_classifier")
