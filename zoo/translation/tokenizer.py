"""Subword (WordPiece) vocabularies learned from the training split, and the tokenizers over them.

Both vocabularies start with the same special tokens, so their ids are fixed: `[PAD]` 0,
`[UNK]` 1, `[START]` 2, `[END]` 3. Spanish is lower-cased; English keeps its case, and
`join_pieces` glues detokenized punctuation back ("God , who" -> "God, who"). A learned
vocabulary is cached under `.cache/translation/vocabulary/`, keyed by its text and settings.

    source_vocabulary = learn_vocabulary([p.source for p in split.train], 4000, lowercase=True)
    tokenizer = make_tokenizer(source_vocabulary, lowercase=True)
    tokenizer(["Dios es amor."])                  # ragged ids
"""
from __future__ import annotations

import hashlib
import json
from typing import Sequence

import keras_hub
import tensorflow as tf

from zoo.errors import ZooError
from zoo.io import write_atomically
from zoo.translation.corpus import CACHE_DIR

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[START]", "[END]")
PAD, UNK, START, END = range(4)


def learn_vocabulary(texts: Sequence[str], size: int, lowercase: bool) -> list[str]:
    """A WordPiece vocabulary of at most `size` tokens (specials first) learned from `texts`."""
    if size <= len(SPECIAL_TOKENS) + 1:
        raise ZooError(f"vocabulary_size must be larger than {len(SPECIAL_TOKENS) + 1}, got {size}")
    key = hashlib.sha256(json.dumps([list(texts), size, lowercase]).encode()).hexdigest()[:16]
    path = CACHE_DIR / "vocabulary" / f"{key}.txt"
    if path.is_file():
        return path.read_text(encoding="utf-8").splitlines()
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        tf.data.Dataset.from_tensor_slices(list(texts)).batch(1000),
        vocabulary_size=size, lowercase=lowercase, reserved_tokens=list(SPECIAL_TOKENS),
    )
    write_atomically(path, "\n".join(vocabulary) + "\n")
    return vocabulary


def make_tokenizer(vocabulary: Sequence[str], lowercase: bool) -> keras_hub.tokenizers.WordPieceTokenizer:
    """A WordPiece tokenizer (int32 ids, `[UNK]` for unknown pieces) over `vocabulary`."""
    if tuple(vocabulary[:len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
        raise ZooError(f"a translation vocabulary must start with {list(SPECIAL_TOKENS)}, got {list(vocabulary[:4])}")
    return keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=list(vocabulary), lowercase=lowercase, oov_token="[UNK]", dtype="int32",
    )


def join_pieces(text: tf.Tensor) -> tf.Tensor:
    """Detokenized text with the spaces WordPiece puts around punctuation removed where
    English has none: before , . ; : ! ? ) ’ ” and after ( ‘ “, and inside words' - and '."""
    text = tf.strings.regex_replace(text, r"(\w) ([-'’]) (\w)", r"\1\2\3")
    text = tf.strings.regex_replace(text, r" ([,.;:!?)’”])", r"\1")
    return tf.strings.regex_replace(text, r"([(‘“]) ", r"\1")
