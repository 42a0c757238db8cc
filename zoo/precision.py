"""Rebuild a model to compute in mixed precision, for GPU (float16) or TPU (bfloat16) serving.

Variables stay float32; layers compute in the lower precision. The rebuilt model has the same
weights and is built from `get_config`, so it works for every serializable Keras model.

    fast = with_precision(model, "float16")
"""
from __future__ import annotations

from typing import Any, Literal

import keras

Precision = Literal["float32", "float16", "bfloat16"]
POLICIES = {"float32": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


def with_precision(model: keras.Model, precision: Precision) -> keras.Model:
    """A copy of `model` whose layers use the mixed policy for `precision` (same weights)."""
    if precision not in POLICIES:
        raise ValueError(f"precision must be one of {list(POLICIES)}, got {precision!r}")
    if precision == "float32":
        return model
    config = _replace_policies(keras.saving.serialize_keras_object(model), POLICIES[precision])
    clone = keras.saving.deserialize_keras_object(config)
    clone.set_weights(model.get_weights())
    return clone


def _replace_policies(node: Any, policy: str) -> Any:
    if isinstance(node, dict):
        if node.get("class_name") == "DTypePolicy" and isinstance(node.get("config"), dict):
            return {**node, "config": {**node["config"], "name": policy}}
        return {key: _replace_policies(value, policy) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_policies(value, policy) for value in node]
    return node
