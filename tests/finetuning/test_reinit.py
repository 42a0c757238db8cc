"""Re-initialization: reset weights have the initializer's statistics, the rest is bit-identical."""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
import pytest

from zoo.finetuning import reinitialize_top_layers

# keras-hub BERT draws from a normal with stddev 0.02 truncated at two standard deviations;
# the truncated distribution's standard deviation is 0.02 times this factor.
TRUNCATED_AT_TWO_SIGMA = 0.8796256610342398


def perturbed_backbone() -> tuple[keras.Model, dict[str, np.ndarray]]:
    """A tiny BERT whose every weight is shifted away from any initial value."""
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=64, num_layers=3, num_heads=2, hidden_dim=64, intermediate_dim=512, max_sequence_length=8
    )
    for variable in backbone.weights:
        variable.assign(variable + 0.5)
    return backbone, {v.path: v.numpy() for v in backbone.weights}


def test_top_layers_and_pooler_get_the_initializer_statistics_and_the_rest_is_untouched():
    backbone, before = perturbed_backbone()
    reset = set(reinitialize_top_layers(backbone, num_layers=2, seed=3))

    layers_reset = {path.split("/")[0] for path in reset}
    assert layers_reset == {"transformer_layer_1", "transformer_layer_2", "pooled_dense"}
    for variable in backbone.weights:
        value = variable.numpy()
        if variable.path not in reset:
            assert np.array_equal(value, before[variable.path]), variable.path
        elif variable.name == "kernel":
            assert abs(value.mean()) < 4 * 0.02 / np.sqrt(value.size), variable.path
            if value.size >= 32_768:
                assert value.std() == pytest.approx(0.02 * TRUNCATED_AT_TWO_SIGMA, rel=0.03), variable.path
            assert np.abs(value).max() <= 0.04
        elif variable.name == "gamma":
            assert np.all(value == 1.0)
        else:
            assert variable.name in ("bias", "beta") and np.all(value == 0.0), variable.path
    big = [v for v in backbone.weights if v.path in reset and v.name == "kernel" and v.numpy().size >= 32_768]
    assert len(big) == 4  # the two feed-forward kernels of each re-initialized block


def test_explicit_initializer_gives_its_own_statistics():
    backbone, _ = perturbed_backbone()
    reinitialize_top_layers(backbone, 1, seed=0, initializer=keras.initializers.RandomNormal(stddev=0.02))
    kernel = backbone.get_layer("transformer_layer_2")._feedforward_intermediate_dense.kernel.numpy()
    assert kernel.std() == pytest.approx(0.02, rel=0.03)
    assert np.abs(kernel).max() > 0.06  # untruncated: 3-sigma values exist among 32,768 draws


def test_same_seed_same_weights_other_seed_other_weights():
    first, _ = perturbed_backbone()
    second, _ = perturbed_backbone()
    third, _ = perturbed_backbone()
    reinitialize_top_layers(first, 1, seed=7)
    reinitialize_top_layers(second, 1, seed=7)
    reinitialize_top_layers(third, 1, seed=8)
    kernel = lambda b: b.get_layer("transformer_layer_2")._feedforward_output_dense.kernel.numpy()  # noqa: E731
    assert np.array_equal(kernel(first), kernel(second))
    assert not np.allclose(kernel(first), kernel(third))


def test_more_layers_than_the_backbone_has_is_refused():
    backbone, before = perturbed_backbone()
    with pytest.raises(ValueError, match="cannot re-initialize 4 layers: .* has 3 transformer layers"):
        reinitialize_top_layers(backbone, 4)
    assert all(np.array_equal(v.numpy(), before[v.path]) for v in backbone.weights)
