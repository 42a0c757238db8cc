"""Each head, trained briefly on the real pretrained MiniLM with small data and short sequences,
beats its trivial baseline by the margin each test asserts."""
import keras
import pytest

import zoo

MINILM = {"backbone": "minilm", "epochs": 1}


def trained(name: str, epochs: int, **config):
    task = zoo.get_task(name, **{**MINILM, **config})
    keras.utils.set_random_seed(task.config.seed)
    splits = task.datasets()
    model = task.build_model()
    task.compile(model)
    model.fit(splits.train, epochs=epochs, verbose=0, shuffle=False)   # the pipeline shuffles
    return task, model


def test_sentiment_beats_the_majority_class(tmp_path):
    task, model = trained("bert_sentiment", epochs=1, train_examples=400, test_examples=300, sequence_length=32, learning_rate=1e-4)
    metrics = task.evaluate(model, tmp_path).metrics
    assert metrics["accuracy"] > metrics["majority_accuracy"] + 0.1


def test_entity_tagging_finds_unseen_entities(tmp_path):
    task, model = trained("bert_ner", epochs=2, train_examples=200, test_examples=100, sequence_length=32, batch_size=8)
    metrics = task.evaluate(model, tmp_path).metrics
    assert metrics["entity_f1"] > 0.3, "the all-O baseline finds no entity (F1 0)"


@pytest.mark.slow
def test_next_sentence_beats_chance(tmp_path):
    task, model = trained("bert_next_sentence", epochs=1, train_examples=400, test_examples=200, sequence_length=32)
    metrics = task.evaluate(model, tmp_path).metrics
    assert metrics["accuracy"] > metrics["majority_accuracy"] + 0.2


@pytest.mark.slow
def test_question_answering_beats_word_overlap(tmp_path):
    task, model = trained("bert_qa", epochs=2, train_examples=400, test_examples=100, sequence_length=64,
                          window_stride=32, batch_size=16, learning_rate=1e-4)
    metrics = task.evaluate(model, tmp_path).metrics
    assert metrics["exact_match"] > metrics["baseline_exact_match"] + 0.3
    assert metrics["f1"] > metrics["baseline_f1"] + 0.3


@pytest.mark.slow
def test_further_pretraining_beats_the_most_frequent_token(tmp_path):
    task, model = trained("bert_masked_lm", epochs=1, train_examples=2500, test_examples=300, sequence_length=32,
                          trainable_layers=-1, learning_rate=1e-4)
    metrics = task.evaluate(model, tmp_path).metrics
    assert metrics["masked_accuracy"] > metrics["unigram_accuracy"] + 0.05
