"""Greedy and beam-search decoding inside the graph, and raw text in / text out.

Both loops run as `tf.while_loop`s over `Translator.decode_step`, stop when every sentence has
produced `[END]` or after `max_new_tokens`, and return token ids [B, T] (`[PAD]` after the
end; `[END]` itself is dropped) with the attention over the source at each output step.
Beam search keeps `beam_width` hypotheses per sentence, scored by summed log-probability, and
picks the best by `scores / length ** length_penalty` (1, the default: mean log-probability per
token; 0: summed); with width 1 it is greedy decoding, token for token.

    ids, attention = greedy_decode(model, source_ids, 20)
    ids, attention = beam_search(model, source_ids, 20, beam_width=4)
    out = translate_in_graph(model, tf.constant(["En el principio."]), beam_width=4, max_length=30)
    out["translation"], out["attention"], out["source_tokens"], out["target_tokens"]
"""
from __future__ import annotations

import tensorflow as tf

from zoo.beam_search import beam_search as beam_search_loop
from zoo.beam_search import best_beams
from zoo.bert.tokenization import clean_utf8
from zoo.translation.models import Translator
from zoo.translation.tokenizer import END, PAD, START, join_pieces

MAX_BEAM_WIDTH = 16


def source_ids(model: Translator, text: tf.Tensor) -> tf.Tensor:
    """Token ids [B, S] of raw strings: cut to `source_length - 1` pieces, then `[END]`,
    `[PAD]`-padded to the longest. Invalid UTF-8 is replaced, so any bytes tokenize."""
    pieces = model.source_tokenizer(clean_utf8(text))[:, :model.source_length - 1]
    end = tf.fill([pieces.nrows(), 1], tf.constant(END, pieces.dtype))
    return tf.cast(tf.concat([pieces, end], axis=1).to_tensor(default_value=PAD), tf.int32)


def _put(buffer: tf.Tensor, column: tf.Tensor, values: tf.Tensor) -> tf.Tensor:
    """`buffer` [N, L, ...] with `values` [N, ...] written at `column`."""
    width = tf.shape(buffer)[1]
    one_hot = tf.cast(tf.one_hot(column, width), buffer.dtype)
    one_hot = tf.reshape(one_hot, tf.concat([[1, width], tf.ones([tf.rank(buffer) - 2], tf.int32)], 0))
    return buffer * (1 - one_hot) + tf.expand_dims(values, 1) * one_hot


def _start(batch: tf.Tensor, steps: tf.Tensor, source_length: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """A token buffer [N, steps + 1] holding `[START]` then `[PAD]`, and zero attention [N, steps, S]."""
    buffer = tf.pad(tf.fill([batch, 1], START), [[0, 0], [0, steps]], constant_values=PAD)
    return buffer, tf.zeros([batch, steps, source_length])


def _steps(model: Translator, max_new_tokens: tf.Tensor) -> tf.Tensor:
    checks = [tf.debugging.assert_greater_equal(max_new_tokens, 1, message="max_length must be at least 1")]
    with tf.control_dependencies(checks):
        return tf.minimum(tf.cast(max_new_tokens, tf.int32), model.target_length - 1)


def greedy_decode(model: Translator, source_ids: tf.Tensor, max_new_tokens: tf.Tensor | int) -> tuple[tf.Tensor, tf.Tensor]:
    """The most likely next token at every step; see the module doc."""
    steps = _steps(model, max_new_tokens)
    memory, carry = model.encode(source_ids)
    batch = tf.shape(source_ids)[0]
    buffer, attention = _start(batch, steps, tf.shape(source_ids)[1])

    def body(t, buffer, attention, carry, finished):
        logits, carry, weights = model.decode_step(buffer, t, carry, memory)
        token = tf.where(finished, PAD, tf.argmax(logits, axis=-1, output_type=tf.int32))
        buffer = _put(buffer, t + 1, token)
        attention = _put(attention, t, tf.where(finished[:, None], 0.0, tf.cast(weights, tf.float32)))
        return t + 1, buffer, attention, carry, finished | (token == END)

    _, buffer, attention, _, _ = tf.while_loop(
        lambda t, buffer, attention, carry, finished: (t < steps) & ~tf.reduce_all(finished),
        body, (tf.constant(0), buffer, attention, carry, tf.zeros([batch], tf.bool)),
    )
    output = buffer[:, 1:]
    return _without_end(output), model.output_attention(source_ids, output, attention)


def beam_search(model: Translator, source_ids: tf.Tensor, max_new_tokens: tf.Tensor | int,
                beam_width: tf.Tensor | int, length_penalty: float = 1.0) -> tuple[tf.Tensor, tf.Tensor]:
    """The best of `beam_width` hypotheses per sentence; see the module doc."""
    checks = [
        tf.debugging.assert_greater_equal(beam_width, 1, message="beam_width must be at least 1 (1 is greedy decoding)"),
        tf.debugging.assert_less_equal(beam_width, MAX_BEAM_WIDTH, message=f"beam_width must be at most {MAX_BEAM_WIDTH}"),
    ]
    with tf.control_dependencies(checks):
        k = tf.cast(tf.identity(beam_width), tf.int32)
    steps = _steps(model, max_new_tokens)
    batch = tf.shape(source_ids)[0]
    memory, carry = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), model.encode(source_ids))
    buffer, attention = _start(batch * k, steps, tf.shape(source_ids)[1])

    def advance(t, state):
        buffer, attention, carry, _ = state
        logits, carry, weights = model.decode_step(buffer, t, carry, memory)
        return tf.nn.log_softmax(tf.cast(logits, tf.float32)), (buffer, attention, carry, tf.cast(weights, tf.float32))

    def record(t, state, token, was_finished):
        buffer, attention, carry, weights = state
        attention = _put(attention, t, tf.where(was_finished[:, None], 0.0, weights))
        return _put(buffer, t + 1, token), attention, carry, weights

    no_weights = tf.zeros([batch * k, tf.shape(source_ids)[1]])
    (buffer, attention, _, _), scores, lengths = beam_search_loop(
        advance, record, (buffer, attention, carry, no_weights), rows=batch, width=k, steps=steps,
        vocabulary=len(model.target_vocabulary), pad_id=PAD, end_id=END,
    )
    best = best_beams(scores, lengths, length_penalty) + tf.range(batch) * k
    output = tf.gather(buffer[:, 1:], best)
    return _without_end(output), model.output_attention(source_ids, output, tf.gather(attention, best))


def _without_end(ids: tf.Tensor) -> tf.Tensor:
    return tf.where(ids == END, PAD, ids)


def translate_in_graph(model: Translator, text: tf.Tensor, beam_width: tf.Tensor | int = 1,
                       max_length: tf.Tensor | int = 40, length_penalty: float = 1.0) -> dict[str, tf.Tensor]:
    """Raw Spanish strings [B] in; `translation` [B], `attention` [B, T, S] (rows: output
    tokens, columns: source tokens with the end token; zeros without an attention map),
    and the tokens themselves as strings, `source_tokens` [B, S] and `target_tokens` [B, T]
    ('' as padding). `beam_width` 1 decodes greedily; `length_penalty` ranks the final beams."""
    ids = source_ids(model, text)
    beam_width = tf.cast(beam_width, tf.int32)
    output, attention = tf.cond(
        beam_width == 1,
        lambda: greedy_decode(model, ids, max_length),
        lambda: beam_search(model, ids, max_length, beam_width, length_penalty),
    )
    kept = tf.ragged.boolean_mask(output, output != PAD)
    translation = join_pieces(model.target_tokenizer.detokenize(kept))
    source_vocabulary = tf.constant(["", *model.source_vocabulary[1:]])
    target_vocabulary = tf.constant(["", *model.target_vocabulary[1:]])
    return {
        "translation": tf.reshape(translation, [-1]),
        "attention": attention,
        "source_tokens": tf.gather(source_vocabulary, ids),
        "target_tokens": tf.gather(target_vocabulary, output),
    }
