"""Fine-tuning techniques for pretrained transformers: layer-wise learning-rate decay,
re-initializing the top layers, and stochastic weight averaging.

    from zoo.finetuning import (
        backbone_layer_groups, layerwise_lr_multipliers, layerwise_optimizer,
        reinitialize_top_layers, StochasticWeightAveraging,
    )
"""
from zoo.finetuning.layerwise_lr import (
    LayerwiseAdam,
    LayerwiseAdamW,
    backbone_layer_groups,
    layerwise_lr_multipliers,
    layerwise_optimizer,
    layerwise_optimizer_class,
)
from zoo.finetuning.reinit import reinitialize_top_layers
from zoo.finetuning.swa import StochasticWeightAveraging, batchnorm_layers, update_batchnorm_statistics

__all__ = [
    "LayerwiseAdam",
    "LayerwiseAdamW",
    "StochasticWeightAveraging",
    "backbone_layer_groups",
    "batchnorm_layers",
    "layerwise_lr_multipliers",
    "layerwise_optimizer",
    "layerwise_optimizer_class",
    "reinitialize_top_layers",
    "update_batchnorm_statistics",
]
