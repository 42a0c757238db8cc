import numpy as np
import tensorflow as tf

from zoo.bert.tokenization import WordPieces, clean_utf8

TEXTS = ["Zürich's mayor met Anna-Lena O'Brien in São Paulo!", "", "a " * 300, "日本語 text", "tabs\tand\nnewlines"]


def test_pieces_match_keras_hub_tokenizer_ids(tokenizer):
    pieces = WordPieces(tokenizer)(clean_utf8(tf.constant(TEXTS)))
    assert pieces.ids.to_list() == [np.asarray(ids).tolist() for ids in tokenizer(tf.constant(TEXTS))]


def test_offsets_cover_words_exactly_for_ascii(tokenizer):
    text = "The capital of Peru is Lima; its currency is the Sol."
    pieces = WordPieces(tokenizer)(tf.constant([text]))
    spans = [text[s:e] for s, e in zip(pieces.starts[0].numpy(), pieces.ends[0].numpy())]
    words = [tokenizer.id_to_token(int(i)).removeprefix("##") for i in pieces.ids[0].numpy()]
    assert [s.lower() for s in spans] == words


def test_invalid_utf8_becomes_replacement_character():
    cleaned = clean_utf8(tf.constant([b"ok \xff\xfe end", b""])).numpy()
    assert cleaned[0].decode("utf-8") == "ok \ufffd\ufffd end" and cleaned[1] == b""
    np.testing.assert_array_equal(clean_utf8(tf.constant(["plain"])).numpy(), [b"plain"])
