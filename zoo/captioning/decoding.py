"""Greedy and beam-search captioning inside the graph (no Python in the loop), so the same
functions run in-process and in the exported `caption` signature.

    grid = model.get_layer("image_encoder")(images)
    ids = greedy_decode(decoder, grid)               # [N, T-1] int32, ends with END_ID, then padding
    ids, log_probs = beam_decode(decoder, grid, beam_width=3)
    caption_images(model, image_bytes, beam_width)   # decode bytes, caption, attention: see below

Both stop early once every caption has ended. Beam search keeps the `beam_width` best partial
captions by summed log-probability, so width 1 is greedy decoding, and returns the best by
log-probability / length ** `length_penalty` (0, the default: summed, the likeliest caption).
The padding, unknown-word and start ids are never generated.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from zoo.beam_search import beam_search, best_beams
from zoo.captioning.images import decode_images
from zoo.captioning.models import CaptionDecoder
from zoo.captioning.tokenizer import END_ID, PAD_ID, START_ID, UNKNOWN_ID, CaptionTokenizer

MAX_BEAM_WIDTH = 16
_NEVER = (PAD_ID, UNKNOWN_ID, START_ID)


def word_log_probs(logits: tf.Tensor) -> tf.Tensor:
    """Log-probabilities over the vocabulary with the never-generated ids at -1e9."""
    logits = tf.cast(logits, tf.float32)
    banned = tf.scatter_nd([[i] for i in _NEVER], [True] * len(_NEVER), [tf.shape(logits)[-1]])
    return tf.nn.log_softmax(tf.where(banned, tf.constant(-1e9, tf.float32), logits))


def _next_log_probs(decoder: CaptionDecoder, tokens: tf.Tensor, grid: tf.Tensor, step: tf.Tensor) -> tf.Tensor:
    """Log-probabilities of the word after position `step`."""
    return word_log_probs(decoder(tokens, grid, training=False)[:, step, :])


def _start_tokens(rows: tf.Tensor, length: int) -> tf.Tensor:
    return tf.concat([tf.fill([rows, 1], START_ID), tf.fill([rows, length - 1], PAD_ID)], axis=1)


def _place(tokens: tf.Tensor, step: tf.Tensor, words: tf.Tensor) -> tf.Tensor:
    """`tokens` with column `step` set to `words`."""
    column = tf.one_hot(step, tf.shape(tokens)[1], dtype=tf.int32)[tf.newaxis]
    return tokens * (1 - column) + words[:, tf.newaxis] * column


def greedy_decode(decoder: CaptionDecoder, grid: tf.Tensor) -> tf.Tensor:
    """The most likely next word at each step: [N, T-1] generated ids (END_ID, then padding)."""
    length = decoder.max_tokens - 1
    rows = tf.shape(grid)[0]

    def step_fn(step, tokens, generated, done):
        words = tf.argmax(_next_log_probs(decoder, tokens, grid, step), axis=-1, output_type=tf.int32)
        words = tf.where(done, PAD_ID, words)
        generated = _place(generated, step, words)
        tokens = tf.cond(step + 1 < length, lambda: _place(tokens, step + 1, words), lambda: tokens)
        return step + 1, tokens, generated, done | (words == END_ID)

    _, _, generated, _ = tf.while_loop(
        lambda step, tokens, generated, done: (step < length) & ~tf.reduce_all(done),
        step_fn,
        (tf.constant(0), _start_tokens(rows, length), tf.fill([rows, length], PAD_ID), tf.zeros([rows], tf.bool)),
        maximum_iterations=length,
    )
    return generated


def beam_decode(decoder: CaptionDecoder, grid: tf.Tensor, beam_width: tf.Tensor | int,
                length_penalty: float = 0.0) -> tuple[tf.Tensor, tf.Tensor]:
    """Beam search: the best caption per image ([N, T-1] ids) and its summed log-probability [N]."""
    length = decoder.max_tokens - 1
    width = tf.convert_to_tensor(beam_width, tf.int32)
    rows = tf.shape(grid)[0]
    grid = tf.repeat(grid, width, axis=0)  # row i * width + k is beam k of image i

    def advance(step, state):
        tokens, _ = state
        return _next_log_probs(decoder, tokens, grid, step), state

    def record(step, state, words, was_finished):
        tokens, generated = state
        tokens = tf.cond(step + 1 < length, lambda: _place(tokens, step + 1, words), lambda: tokens)
        return tokens, _place(generated, step, words)

    beams = rows * width
    (_, generated), scores, lengths = beam_search(
        advance, record, (_start_tokens(beams, length), tf.fill([beams, length], PAD_ID)),
        rows=rows, width=width, steps=length, vocabulary=len(decoder.vocabulary), pad_id=PAD_ID, end_id=END_ID,
    )
    best = best_beams(scores, lengths, length_penalty)
    chosen = tf.range(rows) * width + best
    return tf.gather(generated, chosen), tf.gather(scores, best, batch_dims=1)


def caption_images(model: keras.Model, tokenizer: CaptionTokenizer, image_bytes: tf.Tensor,
                   beam_width: tf.Tensor | int, length_penalty: float = 0.0) -> dict[str, tf.Tensor]:
    """Encoded images (any size) -> captions; what the `caption` endpoint serves.

    Returns `caption` (string [N]), `token_ids` ([N, T-1] int32, -1 after the end),
    `log_prob` ([N], the caption's summed log-probability) and `attention` ([N, T-1, gh, gw]:
    the last decoder block's cross-attention over the image grid for each generated word,
    averaged over heads; rows after the end are zero). `beam_width` 1 decodes greedily.
    """
    width = tf.convert_to_tensor(beam_width, tf.int32)
    checks = [
        tf.debugging.assert_greater_equal(width, 1, message="beam_width must be at least 1 (1 is greedy decoding)"),
        tf.debugging.assert_less_equal(width, MAX_BEAM_WIDTH, message=f"beam_width must be at most {MAX_BEAM_WIDTH}"),
    ]
    with tf.control_dependencies(checks):
        image_bytes = tf.identity(image_bytes)
    encoder = model.get_layer("image_encoder")
    decoder = model.get_layer("caption_decoder")
    grid = encoder(decode_images(image_bytes, encoder.input_shape[1]), training=False)
    generated, log_prob = tf.cond(
        width > 1,
        lambda: beam_decode(decoder, grid, width, length_penalty),
        lambda: _greedy_with_log_prob(decoder, grid),
    )
    ended = tf.cumsum(tf.cast(generated == END_ID, tf.int32), axis=1, exclusive=True) > 0
    kept = ~ended & (generated != PAD_ID)
    inputs = tf.concat([tf.fill([tf.shape(generated)[0], 1], START_ID), generated[:, :-1]], axis=1)
    attention = decoder.cross_attention(inputs, grid) * tf.cast(kept, tf.float32)[..., tf.newaxis]
    side = _grid_side(grid)
    return {
        "caption": tokenizer.detokenize(generated),
        "token_ids": tf.where(kept, generated, -1),
        "log_prob": log_prob,
        "attention": tf.reshape(attention, [tf.shape(generated)[0], tf.shape(generated)[1], side, side]),
    }


def caption_log_prob(decoder: CaptionDecoder, grid: tf.Tensor, generated: tf.Tensor) -> tf.Tensor:
    """Summed log-probability of generated ids (up to and including the end) under the model."""
    inputs = tf.concat([tf.fill([tf.shape(generated)[0], 1], START_ID), generated[:, :-1]], axis=1)
    log_probs = word_log_probs(decoder(inputs, grid, training=False))
    picked = tf.gather(log_probs, generated, batch_dims=2)
    return tf.reduce_sum(tf.where(generated != PAD_ID, picked, 0.0), axis=1)


def _greedy_with_log_prob(decoder: CaptionDecoder, grid: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    generated = greedy_decode(decoder, grid)
    return generated, caption_log_prob(decoder, grid, generated)


def _grid_side(grid: tf.Tensor) -> int:
    cells = grid.shape[1]
    side = int(round(cells ** 0.5))
    if side * side != cells:
        raise ValueError(f"the image grid has {cells} cells, not a square")
    return side
