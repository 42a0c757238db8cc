"""Every BERT task has a validation split of its own, disjoint from its test split; each task's
config holds the base fields and its own only; SQuAD's metrics score as SQuAD does."""
import collections
import json

import numpy as np
import pytest

import zoo
from zoo.bert.conll import generate_ner
from zoo.bert.names import entity_pools
from zoo.bert.next_sentence import generate_pairs
from zoo.bert.squad_metrics import answer_f1, normalize_answer, overlap_baseline, squad_scores
from zoo.datasets.sentiment import load_sentiment
from zoo.errors import ZooError

SIZES = {"train_examples": 300, "validation_examples": 40, "test_examples": 60}


@pytest.mark.parametrize("name", ["bert_sentiment", "bert_masked_lm"])
def test_validation_tweets_are_drawn_with_the_training_ones_never_from_test(name):
    split = zoo.get_task(name, **SIZES).split
    assert (len(split.train), len(split.validation), len(split.test)) == (300, 40, 60)
    repeated = {text for text, n in collections.Counter(load_sentiment().texts).items() if n > 1}
    assert set(split.validation.texts) & set(split.test.texts) <= repeated, "only tweets the corpus holds twice"
    assert set(split.validation.texts) & set(split.train.texts) <= repeated


def test_validation_sentences_use_places_organizations_and_names_of_their_own():
    split = generate_ner(300, 60, 60, seed=0)
    entities = lambda data, kind: {t[s:e] for t, spans in zip(data.texts, data.spans) for s, e, k in spans if k == kind}
    full_names = lambda data: {name for name in entities(data, "PER") if " " in name}
    assert not full_names(split.validation) & (full_names(split.test) | full_names(split.train))
    assert not entities(split.validation, "LOC") & (entities(split.test, "LOC") | entities(split.train, "LOC"))
    pools = entity_pools(seed=0)
    for field in ("places", "organizations", "words"):
        train, validation, test = (set(getattr(pool, field)) for pool in (pools.train, pools.validation, pools.test))
        assert validation and test and not train & validation and not train & test and not validation & test
    assert generate_ner(300, 5, 60, seed=0).test == split.test, "validation size moves no test sentence"


def test_validation_pairs_come_from_countries_of_their_own():
    split = generate_pairs(200, 50, 100, seed=0)
    country = lambda sentences: {s.split(" is ")[0].removeprefix("The capital of ") for s in sentences if s.startswith("The capital of ")}
    assert country(split.validation.first) and not country(split.validation.first) & country(split.test.first)
    assert not country(split.validation.first) & country(split.train.first)
    assert np.mean(split.validation.labels) == 0.5


def test_a_data_file_is_cut_in_order_70_10_20(tmp_path):
    questions = [f"What is {i}?" for i in range(20)]
    paragraphs = [{"context": f"{i} is {i}.", "qas": [{"id": str(i), "question": q, "answers": [{"text": str(i), "answer_start": 0}]}]}
                  for i, q in enumerate(questions)]
    (tmp_path / "squad.json").write_text(json.dumps({"data": [{"title": "t", "paragraphs": paragraphs}]}))
    split = zoo.get_task("bert_qa", data_path=str(tmp_path / "squad.json"), train_examples=0, validation_examples=1).split
    assert list(split.train.questions) == questions[:14] and list(split.validation.questions) == questions[14:15]
    assert list(split.test.questions) == questions[16:]


def test_each_task_config_has_the_base_fields_and_its_own_only():
    assert zoo.get_task("bert_qa", window_stride=8).config.window_stride == 8
    assert zoo.get_task("bert_masked_lm").config.top_k == 5
    assert zoo.get_task("bert_sentiment").config.validation_examples == 500
    assert zoo.get_task("bert_next_sentence").config.validation_examples == 200
    with pytest.raises(ZooError, match="window_stride"):
        zoo.get_task("bert_sentiment", window_stride=8)
    with pytest.raises(ZooError, match="data_path"):
        zoo.get_task("bert_next_sentence", data_path="pairs.txt")
    with pytest.raises(ZooError, match="top_k"):
        zoo.get_task("bert_ner", top_k=3)


@pytest.mark.parametrize("name, overrides, message", [
    ("bert_ner", {"validation_examples": 0}, "validation_examples' must be at least 1"),
    ("bert_sentiment", {"test_examples": 0}, "test_examples' must be at least 1"),
    ("bert_qa", {"train_examples": -1}, "train_examples' must be >= 0"),
])
def test_split_sizes_are_checked(name, overrides, message):
    with pytest.raises(ZooError, match=message):
        zoo.get_task(name, **overrides)


def test_generated_data_needs_a_training_size():
    with pytest.raises(ZooError, match="bert_next_sentence generates its examples, so train_examples must be at least 1"):
        zoo.get_task("bert_next_sentence", train_examples=0).split


def test_squad_metrics():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert answer_f1("the city of Lima", "Lima") == pytest.approx(0.5)
    assert answer_f1("", "") == 1.0 and answer_f1("Lima", "") == 0.0
    assert squad_scores(["Lima", "the city of Lima"], [("Lima",), ("Cusco", "Lima")]) == {"exact_match": 0.5, "f1": 0.75}
    guess = overlap_baseline(["What is the capital of Peru?"], ["Peru is big. The capital of Peru is Lima."])
    assert guess == ["The Lima."] and squad_scores(guess, [("Lima",)])["exact_match"] == 1.0
