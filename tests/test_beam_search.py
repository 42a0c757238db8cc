"""The shared in-graph beam search on a tiny Markov chain whose best sequence greedy misses."""
import math

import numpy as np
import pytest
import tensorflow as tf

from zoo.beam_search import beam_search, best_beams

PAD, END, A, B = 0, 1, 2, 3
# next-token probabilities given the previous token (row 0: the start)
CHAIN = np.array([
    [0.0, 0.0, 0.6, 0.4],    # start: A is likelier than B ...
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 0.4, 0.3, 0.3],    # ... but after A nothing is likely,
    [0.0, 0.9, 0.05, 0.05],  # while after B the end is: B END (0.36) beats A END (0.24)
], dtype="float32")


def decode(width: int, steps: int = 4):
    log_chain = tf.math.log(tf.constant(CHAIN) + 1e-12)

    def advance(t, state):
        previous, _ = state
        return tf.gather(log_chain, previous), state

    def record(t, state, tokens, was_finished):
        _, written = state
        column = tf.one_hot(t, steps, dtype=tf.int32)[tf.newaxis]
        return tokens, written * (1 - column) + tokens[:, tf.newaxis] * column

    start = (tf.zeros([width], tf.int32), tf.fill([width, steps], PAD))
    (_, written), scores, lengths = beam_search(advance, record, start, rows=tf.constant(1), width=tf.constant(width),
                                                steps=steps, vocabulary=4, pad_id=PAD, end_id=END)
    best = int(tf.argmax(scores[0]))
    return written.numpy()[best].tolist(), float(scores[0, best]), int(lengths[0, best])


def test_width_one_is_greedy_and_a_wider_beam_finds_the_likelier_sequence():
    assert decode(1)[:2] == ([A, END, PAD, PAD], pytest.approx(math.log(0.6 * 0.4), abs=1e-5))
    tokens, score, length = decode(2)
    assert (tokens, length) == ([B, END, PAD, PAD], 2)
    assert score == pytest.approx(math.log(0.4 * 0.9), abs=1e-5)


def test_best_beams_rank_by_sum_or_by_length_normalized_log_probability():
    scores = tf.constant([[-4.0, -6.0], [-1.0, -0.5]])
    lengths = tf.constant([[2, 4], [1, 3]])
    assert best_beams(scores, lengths, 0.0).numpy().tolist() == [0, 1]   # sums: -4 > -6, -0.5 > -1
    assert best_beams(scores, lengths, 1.0).numpy().tolist() == [1, 1]   # means: -1.5 > -2, -0.17 > -1
    assert best_beams(tf.constant([[-3.0, -2.0]]), tf.constant([[0, 0]]), 1.0).numpy().tolist() == [1]
