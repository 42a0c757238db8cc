"""`zoo.cross_attention` recovers the query keras-hub's `TransformerDecoder` feeds its cross-attention:
finishing the layer from it must give the layer's own output, with and without padding."""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
import pytest
import tensorflow as tf

from zoo.cross_attention import cross_attention_query, cross_attention_scores


@pytest.fixture(scope="module")
def decoder_inputs():
    keras.utils.set_random_seed(5)
    layer = keras_hub.layers.TransformerDecoder(intermediate_dim=32, num_heads=2)
    rng = np.random.default_rng(5)
    x = tf.constant(rng.normal(size=(2, 5, 16)), tf.float32)
    memory = tf.constant(rng.normal(size=(2, 7, 16)), tf.float32)
    decoder_padding = tf.constant([[True] * 5, [True, True, True, False, False]])
    memory_padding = tf.constant([[True] * 7, [True] * 4 + [False] * 3])
    layer(x, memory)
    return layer, x, memory, decoder_padding, memory_padding


@pytest.mark.parametrize("padded", [False, True])
def test_finishing_the_layer_from_the_query_gives_its_output(decoder_inputs, padded):
    layer, x, memory, decoder_padding, memory_padding = decoder_inputs
    decoder_mask, memory_mask = (decoder_padding, memory_padding) if padded else (None, None)
    expected = layer(x, memory, decoder_padding_mask=decoder_mask, encoder_padding_mask=memory_mask)
    query = cross_attention_query(layer, x, decoder_mask)
    attended = layer._cross_attention_layer(
        query=query, value=memory, attention_mask=None if memory_mask is None else memory_mask[:, None, :])
    y = layer._cross_attention_layer_norm(query + attended)
    y = layer._feedforward_layer_norm(y + layer._feedforward_output_dense(layer._feedforward_intermediate_dense(y)))
    np.testing.assert_allclose(np.asarray(y), np.asarray(expected), atol=1e-5)


def test_scores_are_distributions_over_the_real_encoder_positions(decoder_inputs):
    layer, x, memory, decoder_padding, memory_padding = decoder_inputs
    scores = np.asarray(cross_attention_scores(layer, x, memory, decoder_padding, memory_padding))
    assert scores.shape == (2, 2, 5, 7)
    np.testing.assert_allclose(scores.sum(-1), 1.0, atol=1e-5)
    assert np.all(scores[1, :, :, 4:] < 1e-6)


def test_pre_norm_layers_are_refused():
    layer = keras_hub.layers.TransformerDecoder(intermediate_dim=8, num_heads=1, normalize_first=True)
    x = tf.zeros((1, 3, 4))
    layer(x, x)
    with pytest.raises(ValueError, match="post-norm"):
        cross_attention_query(layer, x)
