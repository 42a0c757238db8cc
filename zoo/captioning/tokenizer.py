"""A word vocabulary learned from the training captions, and in-graph tokenization with it.

Ids 0-3 are special: padding, unknown word, caption start, caption end. The vocabulary is
stored in the model (the `CaptionDecoder` layer's config), so a saved model carries its words.

    vocabulary = build_vocabulary(["a red apple", "a green apple"], min_count=1)
    tokenizer = CaptionTokenizer(vocabulary, max_tokens=12)
    ids = tokenizer.tokenize(tf.constant(["A red pear!"]))      # [1, 12]: start a red [UNK] end 0 ...
    tokenizer.detokenize(ids[:, 1:])                             # [b"a red [UNK]"]
"""
from __future__ import annotations

import collections
from typing import Iterable

import tensorflow as tf

PAD, UNKNOWN, START, END = "", "[UNK]", "[START]", "[END]"
SPECIAL_TOKENS = (PAD, UNKNOWN, START, END)
PAD_ID, UNKNOWN_ID, START_ID, END_ID = range(4)


def build_vocabulary(captions: Iterable[str], min_count: int = 1) -> list[str]:
    """Special tokens, then words seen at least `min_count` times, most frequent first."""
    counts = collections.Counter(word for caption in captions for word in caption.split())
    words = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return [*SPECIAL_TOKENS, *words]


class CaptionTokenizer:
    """Normalizes, splits and looks up captions in the graph (tf.data or a served signature)."""

    def __init__(self, vocabulary: list[str], max_tokens: int):
        if list(vocabulary[:4]) != list(SPECIAL_TOKENS):
            raise ValueError(f"a caption vocabulary starts with {SPECIAL_TOKENS}, got {vocabulary[:4]}")
        self.vocabulary = list(vocabulary)
        self.max_tokens = max_tokens
        self._words = tf.constant(self.vocabulary)
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(self._words, tf.range(len(self.vocabulary), dtype=tf.int32)),
            default_value=UNKNOWN_ID,
        )

    def tokenize(self, captions: tf.Tensor) -> tf.Tensor:
        """[N] captions -> [N, max_tokens] int32: start, words (cut to fit), end, padding."""
        text = tf.strings.regex_replace(tf.strings.lower(captions), "[^a-z0-9]+", " ")
        words = tf.strings.split(tf.strings.strip(text))
        ids = tf.ragged.map_flat_values(self._table.lookup, words)[:, : self.max_tokens - 2]
        rows = ids.nrows()
        ids = tf.concat([tf.fill([rows, 1], START_ID), ids, tf.fill([rows, 1], END_ID)], axis=1)
        return ids.to_tensor(PAD_ID, shape=[None, self.max_tokens])

    def detokenize(self, ids: tf.Tensor) -> tf.Tensor:
        """[N, T] generated ids -> [N] strings of the words before the first end token."""
        ids = tf.cast(ids, tf.int32)
        ended = tf.cumsum(tf.cast(ids == END_ID, tf.int32), axis=1) > 0
        kept = tf.ragged.boolean_mask(ids, ~ended & ((ids > END_ID) | (ids == UNKNOWN_ID)))
        return tf.strings.reduce_join(tf.gather(self._words, kept), axis=1, separator=" ")
