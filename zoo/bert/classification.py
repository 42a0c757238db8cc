"""Sentiment classification of tweets (negative / neutral / positive) with keras-hub's
`BertTextClassifier`: the tweets' split, the hand-written everyday texts, and the TF-IDF +
logistic-regression and majority baselines on both.

    split = sentiment_split(train=2500, validation=500, test=1000, seed=0)   # Splits of LabelledTexts
    everyday = everyday_sentiment()                # 51 texts, 17 per label
    tfidf_baseline(split, everyday)                # {"tfidf_accuracy": ..., "everyday_tfidf_accuracy": ..., ...}
"""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from zoo.datasets.sentiment import LABELS, LabelledTexts, load_sentiment, sample, split_sentiment
from zoo.errors import ZooError
from zoo.everyday import everyday_items
from zoo.task import Splits


def sentiment_split(train: int, validation: int, test: int, seed: int) -> Splits[LabelledTexts]:
    """`test` tweets held out of the shuffled corpus; from the rest, `train + validation` drawn
    (all of them when `train` is 0), the first `validation` of which validate."""
    split = split_sentiment(load_sentiment(), test_size=test, seed=seed)
    drawn = split.train
    if train and train + validation < len(drawn):
        drawn = sample(drawn, train + validation, seed)
    order = np.arange(len(drawn))
    return Splits(drawn.take(order[validation:]), drawn.take(order[:validation]), split.test)


def everyday_sentiment() -> LabelledTexts:
    """The everyday set (`tests/data/everyday/bert_sentiment.jsonl`): short texts written by hand,
    statements and tweets, each labelled negative, neutral or positive."""
    items = everyday_items("bert_sentiment", required=("text", "label"))
    unknown = sorted({item["label"] for item in items} - set(LABELS))
    if unknown:
        raise ZooError(f"everyday sentiment labels must be {', '.join(LABELS)}; got {', '.join(map(repr, unknown))}")
    return LabelledTexts(np.array([item["text"] for item in items], dtype=object),
                         np.array([LABELS.index(item["label"]) for item in items], dtype=np.int32))


def tfidf_baseline(split: Splits[LabelledTexts], everyday: LabelledTexts) -> dict[str, float]:
    """Accuracy on the test tweets and on the `everyday` texts of TF-IDF (word 1-2 grams) +
    logistic regression, and of the majority class, both fitted on every labelled tweet the task
    drew (validation, then train: BERT's validation only watches training, so the baseline may
    learn from it)."""
    texts = np.concatenate([split.validation.texts, split.train.texts])
    labels = np.concatenate([split.validation.labels, split.train.labels])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    classifier = LogisticRegression(max_iter=1000, C=4.0).fit(vectorizer.fit_transform(texts), labels)
    majority = np.bincount(labels).argmax()
    metrics = {}
    for prefix, data in (("", split.test), ("everyday_", everyday)):
        predicted = classifier.predict(vectorizer.transform(data.texts))
        metrics[f"{prefix}tfidf_accuracy"] = float(np.mean(predicted == data.labels))
        metrics[f"{prefix}majority_accuracy"] = float(np.mean(data.labels == majority))
    return metrics
