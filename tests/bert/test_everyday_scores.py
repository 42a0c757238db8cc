"""Sentiment and masked LM score their everyday sets beside their test tweets: checked on models
whose every prediction is known (a head biased to one class or to a few tokens) and on baselines
fitted to a handful of texts."""
import numpy as np
import pytest

from zoo.bert.classification import everyday_sentiment, tfidf_baseline
from zoo.bert.masked_lm import top_k_accuracy
from zoo.datasets.sentiment import LABELS, LabelledTexts
from zoo.everyday import everyday_items
from zoo.task import Splits

SMALL = {"train_examples": 60, "validation_examples": 20, "test_examples": 40, "sequence_length": 32}


def labelled(*rows: tuple[str, str]) -> LabelledTexts:
    return LabelledTexts(np.array([text for text, _ in rows], dtype=object),
                         np.array([LABELS.index(label) for _, label in rows], dtype=np.int32))


def test_baselines_score_the_everyday_texts_as_they_score_the_test_tweets():
    train = labelled(("awful day", "negative"), ("awful food", "negative"), ("awful service", "negative"),
                     ("so awful", "negative"), ("meeting at noon", "neutral"), ("meeting on monday", "neutral"),
                     ("lovely day", "positive"), ("lovely food", "positive"), ("lovely service", "positive"))
    validation = labelled(("awful weather", "negative"), ("meeting room", "neutral"), ("lovely weather", "positive"))
    test = labelled(("awful", "negative"), ("lovely", "positive"))
    everyday = labelled(("awful food today", "negative"), ("lovely food today", "positive"),
                        ("the meeting is at noon", "neutral"), ("lovely service", "negative"))   # the last is mislabelled
    metrics = tfidf_baseline(Splits(train, validation, test), everyday)
    assert metrics == {"tfidf_accuracy": 1.0, "majority_accuracy": 0.5,
                       "everyday_tfidf_accuracy": 0.75, "everyday_majority_accuracy": 0.5}


def test_sentiment_everyday_set_reads_as_labelled_texts():
    everyday = everyday_sentiment()
    assert len(everyday) == len(everyday_items("bert_sentiment")) >= 50
    assert np.bincount(everyday.labels).tolist() == [17, 17, 17]
    assert "The meeting has been moved to 3pm on Thursday." in everyday.texts


def test_sentiment_reports_everyday_accuracy_of_a_model_that_always_says_neutral(tiny_task, tmp_path):
    task = tiny_task("bert_sentiment", **SMALL)
    model = task.build_model()
    logits = model.get_layer("logits")
    logits.kernel.assign(np.zeros(logits.kernel.shape))
    logits.bias.assign([0.0, 5.0, 0.0])
    report = task.evaluate(model, tmp_path)
    neutral = LABELS.index("neutral")
    assert report.metrics["everyday_accuracy"] == pytest.approx(17 / 51)
    assert report.metrics["accuracy"] == pytest.approx(np.mean(task.split.test.labels == neutral))
    assert {"everyday_tfidf_accuracy", "everyday_majority_accuracy"} <= set(report.metrics)
    rows = report.tables["everyday"].splitlines()[2:]
    assert len(rows) == 51 and all(row.endswith(f"| neutral | {np.exp(5) / (np.exp(5) + 2):.2f} |") for row in rows)
    assert "| The meeting has been moved to 3pm on Thursday. | neutral | neutral |" in report.tables["everyday"]
    assert "| 0.333 |" in report.tables["comparison"].splitlines()[2]


def test_top_k_accuracy_counts_a_mask_right_when_an_answer_is_among_the_first_k():
    predictions = [["paris", "lyon", "france"], [".", "the", "berlin"], ["rome", "milan", "naples"]]
    answers = [["paris"], ["berlin"], ["madrid"]]
    assert top_k_accuracy(predictions, answers, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(predictions, answers, 3) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="2 predictions for 3 masks"):
        top_k_accuracy(predictions[:2], answers, 1)


def test_masked_lm_reports_everyday_top_k_of_a_head_biased_to_five_tokens(tiny_task, tmp_path):
    task = tiny_task("bert_masked_lm", **SMALL)
    model = task.build_model()
    favourites = ["paris", "water", "week", "blue", "much"]   # most likely first, whatever the input
    bias = next(weight for weight in model.get_layer("mlm_head").weights if weight.name == "output_bias")
    values = np.zeros(bias.shape, "float32")
    values[[task.tokenizer.token_to_id(token) for token in favourites]] = [60.0, 50.0, 40.0, 30.0, 20.0]
    bias.assign(values)
    report = task.evaluate(model, tmp_path)
    items = everyday_items("bert_masked_lm")
    assert report.metrics["everyday_top1_accuracy"] == pytest.approx(2 / len(items))   # France's capital, the Eiffel Tower
    top5 = sum(bool(set(favourites) & set(item["answers"])) for item in items)
    assert top5 == 8 and report.metrics["everyday_top5_accuracy"] == pytest.approx(top5 / len(items))
    assert "| The capital of France is [MASK]. | paris | paris, water, week, blue, much |" in report.tables["everyday"]
    assert 0 <= report.metrics["everyday_unigram_top1_accuracy"] <= report.metrics["everyday_unigram_top5_accuracy"] <= 1
