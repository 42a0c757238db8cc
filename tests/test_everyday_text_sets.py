"""The hand-written everyday sets of sentiment, masked LM and translation: enough items, valid and
balanced labels, answers the model can name, and none of them in what the tasks train on."""
import collections

import zoo
from zoo.datasets.sentiment import LABELS, load_sentiment
from zoo.everyday import comparable, everyday_items


def test_sentiment_set_is_balanced_over_the_three_labels():
    items = everyday_items("bert_sentiment", required=("text", "label"))
    counts = collections.Counter(item["label"] for item in items)
    assert len(items) >= 50 and set(counts) == set(LABELS)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert len({comparable(item["text"]) for item in items}) == len(items), "no text twice"
    neutral = {item["text"] for item in items if item["label"] == "neutral"}
    assert "The meeting has been moved to 3pm on Thursday." in neutral


def test_no_sentiment_text_is_in_the_tweet_corpus():
    tweets = [comparable(text) for text in load_sentiment().texts]
    for item in everyday_items("bert_sentiment"):
        text = comparable(item["text"])
        assert not any(text in tweet for tweet in tweets), item["text"]


def test_each_masked_sentence_has_one_mask_and_single_token_answers():
    items = everyday_items("bert_masked_lm", required=("text", "answers"))
    tokenizer = zoo.get_task("bert_masked_lm").tokenizer
    vocabulary = set(tokenizer.get_vocabulary())
    assert len(items) >= 50 and len({item["text"] for item in items}) == len(items)
    for item in items:
        assert list(tokenizer(item["text"])).count(tokenizer.mask_token_id) == 1, item["text"]
        assert item["answers"] and all(answer in vocabulary for answer in item["answers"]), item
        assert all(answer == answer.lower() for answer in item["answers"]), "the vocabulary is uncased"


def test_translation_set_has_references_for_every_sentence():
    items = everyday_items("translation", required=("source", "references"))
    assert len(items) >= 50 and len({comparable(item["source"]) for item in items}) == len(items)
    assert all(item["references"] and all(r.strip() for r in item["references"]) for item in items)
    assert {"source": "¿Dónde está la biblioteca?", "references": ["Where is the library?"]} in items


def test_no_everyday_sentence_is_in_the_translation_corpus():
    task = zoo.get_task("translation_attention")   # the three translation tasks share their data
    corpus = {comparable(side) for split in (task.split.train, task.split.validation, task.split.test)
              for pair in split for side in pair}
    for item in everyday_items("translation"):
        assert comparable(item["source"]) not in corpus, item["source"]
        assert not {comparable(r) for r in item["references"]} & corpus, item["references"]


def test_text_is_compared_without_case_or_punctuation():
    assert comparable("¿Dónde está la biblioteca?") == comparable("dónde  está la Biblioteca") == "dónde está la biblioteca"
