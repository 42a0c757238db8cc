"""The cross-attention weights of keras-hub's `TransformerDecoder`, which it computes but does not return.

Attention maps (which source token or image cell each output token looked at) need them, so
the decoder layer's self-attention block is rerun with the layer's own sublayers and mask to get
the query its cross-attention sees; `tests/test_cross_attention.py` finishes the layer from that
query and checks that it gives the layer's own output, so a change inside keras-hub fails loudly
instead of drawing a wrong map.

    scores = cross_attention_scores(decoder_layer, x, encoder_outputs)       # [N, heads, T, S]
    scores = cross_attention_scores(decoder_layer, x, encoder_outputs, decoder_padding_mask=..., encoder_padding_mask=...)
"""
from __future__ import annotations

import keras_hub
from keras import ops


def cross_attention_query(layer: keras_hub.layers.TransformerDecoder, decoder_sequence, decoder_padding_mask=None):
    """What `layer` feeds its cross-attention as the query at inference (causal self-attention).

    Post-norm layers only (keras-hub's default, `normalize_first=False`), the kind the zoo builds.
    """
    if layer.normalize_first:
        raise ValueError(f"{layer.name}: cross-attention maps are only worked out for post-norm decoder layers "
                         "(normalize_first=False)")
    self_mask = layer._compute_self_attention_mask(
        decoder_sequence=decoder_sequence, decoder_padding_mask=decoder_padding_mask, decoder_attention_mask=None,
        use_causal_mask=True, self_attention_cache=None, self_attention_cache_update_index=None)
    attended = layer._self_attention_layer(query=decoder_sequence, value=decoder_sequence, attention_mask=self_mask)
    return layer._self_attention_layer_norm(decoder_sequence + attended)


def cross_attention_scores(layer: keras_hub.layers.TransformerDecoder, decoder_sequence, encoder_sequence,
                           decoder_padding_mask=None, encoder_padding_mask=None):
    """The weights [N, heads, T, S] of `layer(decoder_sequence, encoder_sequence, ...)`'s cross-attention."""
    _, scores = layer._cross_attention_layer(
        query=cross_attention_query(layer, decoder_sequence, decoder_padding_mask), value=encoder_sequence,
        attention_mask=None if encoder_padding_mask is None else ops.expand_dims(encoder_padding_mask, 1),
        return_attention_scores=True)
    return scores
