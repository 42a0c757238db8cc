"""Beam search inside the graph, for the families that decode token by token (translation,
captioning). The caller says how to score the next token and how to write the chosen one;
this module keeps the `width` best hypotheses per input as a `tf.while_loop`.

    state, scores, lengths = beam_search(
        advance,                 # (t, state) -> (log-probabilities [rows * width, V], state)
        record,                  # (t, state, tokens [rows * width], was_finished) -> state
        state,                   # nest of tensors; row i * width + j is beam j of input i
        rows=batch, width=4, steps=max_new_tokens, vocabulary=V, pad_id=PAD, end_id=END,
    )
    best = best_beams(scores, lengths, length_penalty=1.0)   # [rows]: by mean log-probability per token

Beams rank by summed log-probability while searching; `best_beams` then picks each input's
final hypothesis by summed or length-normalized log-probability. Only beam 0 of each input is
live at the start, so the first step does not pick the same token `width` times. A beam that
produced `end_id` is finished: it extends with `pad_id` at no cost, and its length stops
growing. With width 1 this is greedy decoding, token for token. The loop ends after `steps`
steps or once every beam has finished; it returns the final state, `scores` [rows, width] and
`lengths` [rows, width] (tokens generated up to and including the end token).
"""
from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf

NEVER = -1e9


def beam_search(
    advance: Callable[[tf.Tensor, Any], tuple[tf.Tensor, Any]],
    record: Callable[[tf.Tensor, Any, tf.Tensor, tf.Tensor], Any],
    state: Any,
    *,
    rows: tf.Tensor,
    width: tf.Tensor,
    steps: tf.Tensor | int,
    vocabulary: int,
    pad_id: int,
    end_id: int,
) -> tuple[Any, tf.Tensor, tf.Tensor]:
    """The `width` best hypotheses per input after at most `steps` tokens; see the module doc."""
    beams = rows * width
    scores = tf.tile(tf.concat([[0.0], tf.fill([width - 1], NEVER)], 0)[tf.newaxis], [rows, 1])
    only_pad = tf.where(tf.range(vocabulary) == pad_id, 0.0, NEVER)[tf.newaxis]

    def body(t, state, scores, lengths, finished):
        log_probs, state = advance(t, state)
        log_probs = tf.where(finished[:, tf.newaxis], only_pad, log_probs)
        total = tf.reshape(tf.reshape(scores, [beams, 1]) + log_probs, [rows, width * vocabulary])
        scores, index = tf.math.top_k(total, k=width)
        origin = tf.reshape(index // vocabulary + tf.range(rows)[:, tf.newaxis] * width, [beams])
        tokens = tf.reshape(index % vocabulary, [beams])
        state, lengths, was_finished = tf.nest.map_structure(lambda x: tf.gather(x, origin), (state, lengths, finished))
        state = record(t, state, tokens, was_finished)
        lengths += tf.cast(~was_finished, tf.int32)
        return t + 1, state, scores, lengths, was_finished | (tokens == end_id)

    any_rows = tf.nest.map_structure(lambda x: tf.TensorShape([None]).concatenate(x.shape[1:]), state)
    _, state, scores, lengths, _ = tf.while_loop(
        lambda t, state, scores, lengths, finished: (t < steps) & ~tf.reduce_all(finished),
        body,
        (tf.constant(0), state, scores, tf.zeros([beams], tf.int32), tf.zeros([beams], tf.bool)),
        shape_invariants=(tf.TensorShape([]), any_rows, tf.TensorShape([None, None]), tf.TensorShape([None]),
                          tf.TensorShape([None])),
    )
    return state, scores, tf.reshape(lengths, [rows, width])


def best_beams(scores: tf.Tensor, lengths: tf.Tensor, length_penalty: float) -> tf.Tensor:
    """Each input's best beam [rows] (an index below `width`), ranked by
    `scores / lengths ** length_penalty`: 0 ranks by summed log-probability (the likeliest
    hypothesis, which favours short ones), 1 by mean log-probability per token."""
    lengths = tf.cast(tf.maximum(lengths, 1), scores.dtype)
    return tf.argmax(scores / tf.pow(lengths, length_penalty), axis=1, output_type=tf.int32)
