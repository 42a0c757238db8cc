"""Re-initialize the top transformer blocks (and the pooler) of a pretrained backbone.

Zhang et al. ("Revisiting Few-sample BERT Fine-tuning", ICLR 2021) found the top blocks of a
pretrained BERT specialise in the pretraining task; drawing them afresh before fine-tuning
makes few-sample runs more stable. Kernels and embeddings are drawn from the block's own
kernel initializer (keras-hub's BERT uses a normal with stddev 0.02, truncated at two
standard deviations), biases and LayerNorm betas set to zero, LayerNorm gammas to one.

    backbone = keras_hub.models.BertBackbone.from_preset(path)
    reinitialize_top_layers(backbone, num_layers=2, seed=0)
"""
from __future__ import annotations

import keras

_CONSTANT_VALUES = {"bias": 0.0, "beta": 0.0, "gamma": 1.0}
_DRAWN = ("kernel", "embeddings")


def reinitialize_top_layers(
    backbone: keras.Model,
    num_layers: int,
    *,
    seed: int = 0,
    include_pooler: bool = True,
    initializer: keras.initializers.Initializer | None = None,
) -> list[str]:
    """Redraw the top `num_layers` `transformer_layer_*` blocks and, if present, `pooled_dense`.

    `initializer` overrides each layer's own `kernel_initializer`. The same seed gives the
    same weights. Returns the paths of the variables that were reset; every other variable
    is left untouched.
    """
    blocks = sorted(
        (layer for layer in backbone.layers if layer.name.startswith("transformer_layer_")),
        key=lambda layer: int(layer.name.rsplit("_", 1)[1]),
    )
    if not 0 <= num_layers <= len(blocks):
        raise ValueError(f"cannot re-initialize {num_layers} layers: {backbone.name} has {len(blocks)} transformer layers")
    layers = blocks[len(blocks) - num_layers:]
    if include_pooler and num_layers and any(layer.name == "pooled_dense" for layer in backbone.layers):
        layers.append(backbone.get_layer("pooled_dense"))
    reset = []
    for layer in layers:
        drawn_from = initializer or layer.kernel_initializer
        for variable in layer.weights:
            reset.append(_reset(variable, drawn_from, seed + len(reset)))
    return reset


def _reset(variable: keras.Variable, initializer: keras.initializers.Initializer, seed: int) -> str:
    if variable.name in _DRAWN:
        seeded = type(initializer).from_config({**initializer.get_config(), "seed": seed})
        variable.assign(seeded(variable.shape, variable.dtype))
    elif variable.name in _CONSTANT_VALUES:
        variable.assign(keras.ops.full(variable.shape, _CONSTANT_VALUES[variable.name], variable.dtype))
    else:
        raise ValueError(f"do not know how to re-initialize {variable.path}")
    return variable.path
