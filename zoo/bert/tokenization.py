"""WordPiece tokenization with character offsets, in the graph, for span and token tasks.

keras-hub's `BertTokenizer` returns token ids only. Question answering and entity tagging
also need where each piece came from, so this splits the text the way keras-hub does
(whitespace, punctuation, CJK), case-folds each word and runs the tokenizer's own
`FastWordpieceTokenizer` with offsets. Offsets are byte offsets into `clean_utf8(text)`:
invalid UTF-8 becomes U+FFFD first, so any bytes tokenize.

    pieces = WordPieces(load_tokenizer("minilm"))
    out = pieces(tf.constant(["Paris is in France."]))
    out.ids, out.starts, out.ends, out.word_ids        # ragged [N, (pieces)]
"""
from __future__ import annotations

import dataclasses

import keras_hub
import tensorflow as tf
import tensorflow_text as tf_text
from keras_hub.src.tokenizers.word_piece_tokenizer import (
    PUNCTUATION_AND_CJK_REGEX,
    WHITESPACE_PUNCTUATION_AND_CJK_REGEX,
)


def clean_utf8(text: tf.Tensor) -> tf.Tensor:
    """Valid UTF-8: each undecodable byte sequence replaced by U+FFFD."""
    return tf.strings.unicode_transcode(text, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD)


@dataclasses.dataclass(frozen=True)
class Words:
    """Words of each text with byte offsets [start, end) into the cleaned text; ragged [N, (W)]."""

    words: tf.RaggedTensor
    starts: tf.RaggedTensor
    ends: tf.RaggedTensor


@dataclasses.dataclass(frozen=True)
class Pieces:
    """Word pieces of each text: ids, byte offsets into the cleaned text, and the word each belongs to."""

    ids: tf.RaggedTensor
    starts: tf.RaggedTensor
    ends: tf.RaggedTensor
    word_ids: tf.RaggedTensor
    words: Words


class WordPieces:
    """Splits cleaned text [N] into words and word pieces with offsets, like `tokenizer` would."""

    def __init__(self, tokenizer: keras_hub.models.BertTokenizer):
        self.tokenizer = tokenizer
        self.wordpiece = tf_text.FastWordpieceTokenizer(
            vocab=tokenizer.get_vocabulary(), suffix_indicator="##", unknown_token=tokenizer.oov_token,
            no_pretokenization=True, support_detokenization=False, token_out_type=tf.int32,
        )

    def words(self, text: tf.Tensor) -> Words:
        words, starts, ends = tf_text.regex_split_with_offsets(
            text, WHITESPACE_PUNCTUATION_AND_CJK_REGEX, PUNCTUATION_AND_CJK_REGEX
        )
        return Words(words, starts, ends)

    def __call__(self, text: tf.Tensor) -> Pieces:
        words = self.words(text)
        normalized = tf_text.case_fold_utf8(words.words) if self.tokenizer.lowercase else words.words
        ids, begins, finishes = self.wordpiece.tokenize_with_offsets(normalized)   # [N, (W), (P)]
        # Per word ([total words, (pieces)]): piece offsets are relative to the word. Case folding
        # can change a word's byte length, so they are clipped to stay inside the word.
        word_start = words.starts.values[:, None]
        word_length = (words.ends - words.starts).values[:, None]
        starts = begins.with_values(word_start + tf.minimum(tf.cast(begins.values, tf.int64), word_length))
        ends = finishes.with_values(word_start + tf.minimum(tf.cast(finishes.values, tf.int64), word_length))
        word_number = tf.ragged.range(ids.row_lengths(axis=1)).values[:, None]   # word's index in its text
        word_ids = ids.with_values(tf.ones_like(ids.values, dtype=tf.int64) * word_number)
        return Pieces(
            ids=ids.merge_dims(1, 2), starts=starts.merge_dims(1, 2), ends=ends.merge_dims(1, 2),
            word_ids=word_ids.merge_dims(1, 2), words=words,
        )
