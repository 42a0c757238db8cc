"""Sentiment classification of tweets (negative / neutral / positive) with keras-hub's
`BertTextClassifier`: the tweets' split, and the TF-IDF + logistic-regression baseline on it.

    split = sentiment_split(train=2500, validation=500, test=1000, seed=0)   # Splits of LabelledTexts
    tfidf_baseline(split)                          # {"tfidf_accuracy": ..., "majority_accuracy": ...}
"""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from zoo.datasets.sentiment import LabelledTexts, load_sentiment, sample, split_sentiment
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


def tfidf_baseline(split: Splits[LabelledTexts]) -> dict[str, float]:
    """Test accuracy of TF-IDF (word 1-2 grams) + logistic regression, and of the majority class,
    both fitted on every labelled tweet the task drew (validation, then train: BERT's validation
    only watches training, so the baseline may learn from it)."""
    texts = np.concatenate([split.validation.texts, split.train.texts])
    labels = np.concatenate([split.validation.labels, split.train.labels])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    classifier = LogisticRegression(max_iter=1000, C=4.0).fit(vectorizer.fit_transform(texts), labels)
    predicted = classifier.predict(vectorizer.transform(split.test.texts))
    majority = np.bincount(labels).argmax()
    return {
        "tfidf_accuracy": float(np.mean(predicted == split.test.labels)),
        "majority_accuracy": float(np.mean(split.test.labels == majority)),
    }
