"""Vocabularies learned from the training split, fixed special ids, and detokenized text."""
import pytest
import tensorflow as tf
from translation_helpers import tiny_task

from zoo.errors import ZooError
from zoo.translation.tokenizer import END, PAD, SPECIAL_TOKENS, START, UNK, join_pieces, learn_vocabulary, make_tokenizer


@pytest.fixture(scope="module")
def task():
    return tiny_task()


def test_vocabularies_start_with_the_special_tokens_and_are_cached(task):
    source, target = task.vocabularies
    assert [source.index(t) for t in SPECIAL_TOKENS] == [PAD, UNK, START, END] == [target.index(t) for t in SPECIAL_TOKENS]
    assert len(source) <= 400 and len(target) <= 400 and "veinte" in source and "twenty" in target
    assert learn_vocabulary([p.source for p in task.split.train], 400, lowercase=True) == source


def test_english_pieces_detokenize_to_the_original_text(task):
    tokenizer = make_tokenizer(task.vocabularies[1], lowercase=False)
    texts = ["three hundred and forty-two", "one thousand, nine hundred", "January"]
    ids = tf.function(lambda: tokenizer(tf.constant(texts)))()
    assert join_pieces(tokenizer.detokenize(ids)).numpy().tolist() == [t.encode() for t in texts]


def test_spanish_is_lower_cased_and_unknown_pieces_are_unk(task):
    tokenizer = make_tokenizer(task.vocabularies[0], lowercase=True)
    ids = tf.function(lambda: tokenizer(tf.constant(["VEINTE", "ж"])))().to_list()
    assert ids[0] == tf.function(lambda: tokenizer(tf.constant(["veinte"])))().to_list()[0]
    assert ids[1] == [UNK]


def test_join_pieces_glues_punctuation_like_english_text():
    spaced = "Yahweh ’ s word , “ I am ( one ) twenty - three . ” He said ‘ no ’ ."
    assert join_pieces(tf.constant([spaced])).numpy()[0].decode() == "Yahweh’s word, “I am (one) twenty-three.” He said ‘no’."


def test_bad_vocabularies_are_refused():
    with pytest.raises(ZooError, match="must start with"):
        make_tokenizer(["a", "b", "c", "d", "e"], lowercase=True)
    with pytest.raises(ZooError, match="vocabulary_size must be larger"):
        learn_vocabulary(["uno"], 3, lowercase=True)
