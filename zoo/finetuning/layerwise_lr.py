"""Layer-wise learning-rate decay (LLRD): lower layers of a pretrained network learn slower.

The top transformer block trains at the base learning rate, each block below it at `decay`
times the one above, the embeddings lowest; everything outside the groups (the pooler, the
task head) at the base rate. The multiplier is applied to the learning rate inside the
optimizer's update (and to decoupled weight decay, as PyTorch parameter groups do), so Adam's
step really is `base * decay**depth`; scaling gradients would not do that, since Adam divides
the scale out again.

    backbone = keras_hub.models.BertBackbone.from_preset(path)
    multipliers = layerwise_lr_multipliers(backbone_layer_groups(backbone), decay=0.9)
    optimizer = layerwise_optimizer(keras.optimizers.AdamW(2e-5, weight_decay=0.01), multipliers)
    classifier.compile(optimizer=optimizer, loss=...)

Any Keras model works with an explicit grouping, bottom to top:

    multipliers = layerwise_lr_multipliers([[model.get_layer("d0")], [model.get_layer("d1")]], decay=0.5)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import keras

LayerGroup = Sequence[keras.layers.Layer]


def backbone_layer_groups(backbone: keras.Model) -> list[list[keras.layers.Layer]]:
    """Layer groups of a keras-hub transformer backbone, bottom to top.

    Group 0 holds every embedding layer (and the embedding LayerNorm), group `i + 1` holds
    `transformer_layer_i`. Layers above the blocks (BERT's `pooled_dense`, GPT-2's final
    `layer_norm`) are left out, so they train at the base rate like a task head.
    """
    blocks = [layer for layer in backbone.layers if layer.name.startswith("transformer_layer_")]
    if not blocks:
        raise ValueError(f"{backbone.name} has no `transformer_layer_*` layers; pass explicit layer groups")
    blocks.sort(key=lambda layer: int(layer.name.rsplit("_", 1)[1]))
    embeddings = [
        layer for layer in backbone.layers
        if layer.weights and (layer.name.endswith("_embedding") or layer.name.startswith("embeddings_"))
    ]
    return [embeddings, *[[block] for block in blocks]]


def layerwise_lr_multipliers(groups: Sequence[LayerGroup], decay: float) -> dict[str, float]:
    """Learning-rate multiplier per variable path: the top group 1, each group below `decay` times more."""
    if not 0 < decay <= 1:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    top = len(groups) - 1
    return {
        variable.path: decay ** (top - depth)
        for depth, group in enumerate(groups)
        for layer in group
        for variable in layer.trainable_weights
    }


class _LayerwiseLearningRate:
    """Mixin over a Keras optimizer class: every variable's step uses `learning_rate * multiplier`."""

    def __init__(self, *args, lr_multipliers: Mapping[str, float] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr_multipliers = dict(lr_multipliers or {})
        self._multiplier_by_index: list[float] = []

    def build(self, variables):
        super().build(variables)
        self._multiplier_by_index = [float(self.lr_multipliers.get(v.path, 1.0)) for v in variables]

    def multiplier(self, variable) -> float:
        """The learning-rate multiplier this optimizer applies to `variable`."""
        return self._multiplier_by_index[self._get_variable_index(variable)]

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = keras.ops.multiply(keras.ops.cast(learning_rate, variable.dtype), self.multiplier(variable))
        if self.weight_decay is not None and self._use_weight_decay(variable):
            decay = keras.ops.cast(self.weight_decay, variable.dtype)
            variable.assign(variable - variable * decay * learning_rate)
        super().update_step(gradient, variable, learning_rate)

    def _apply_weight_decay(self, variables):
        """Weight decay happens in `update_step`, at each variable's own learning rate."""

    def get_config(self):
        return {**super().get_config(), "lr_multipliers": dict(self.lr_multipliers)}


_LAYERWISE_CLASSES: dict[type, type] = {}


def layerwise_optimizer_class(optimizer_class: type[keras.optimizers.Optimizer]) -> type[keras.optimizers.Optimizer]:
    """`optimizer_class` with per-variable learning-rate multipliers (`lr_multipliers=` argument).

    The class is registered for `keras.saving` as `zoo.finetuning>Layerwise<Name>`.
    """
    if optimizer_class not in _LAYERWISE_CLASSES:
        name = f"Layerwise{optimizer_class.__name__}"
        layerwise = type(name, (_LayerwiseLearningRate, optimizer_class), {"__doc__": f"{optimizer_class.__name__} with layer-wise learning rates."})
        _LAYERWISE_CLASSES[optimizer_class] = keras.saving.register_keras_serializable("zoo.finetuning", name)(layerwise)
    return _LAYERWISE_CLASSES[optimizer_class]


def layerwise_optimizer(optimizer: keras.optimizers.Optimizer, lr_multipliers: Mapping[str, float]) -> keras.optimizers.Optimizer:
    """A fresh copy of `optimizer` (same config, schedule included) that applies `lr_multipliers`.

    Variables missing from `lr_multipliers` train at the base rate. `exclude_from_weight_decay`
    is not part of an optimizer's config: call it on the returned optimizer.
    """
    if optimizer.built:
        raise ValueError("pass an optimizer that has not been used yet; its state would be lost")
    layerwise = layerwise_optimizer_class(type(optimizer))
    return layerwise.from_config({**optimizer.get_config(), "lr_multipliers": dict(lr_multipliers)})


LayerwiseAdam = layerwise_optimizer_class(keras.optimizers.Adam)
LayerwiseAdamW = layerwise_optimizer_class(keras.optimizers.AdamW)
