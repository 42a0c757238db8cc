"""Sentiment classification of tweets (negative / neutral / positive) with keras-hub's
`BertTextClassifier`, and the TF-IDF + logistic-regression baseline on the same split.

    split = sentiment_split(train_examples=3000, test_examples=1000, seed=0)
    tfidf_baseline(split)                          # {"tfidf_accuracy": ..., "majority_accuracy": ...}
"""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from zoo.datasets.sentiment import SentimentSplit, load_sentiment, sample, split_sentiment

VALIDATION = 500


def sentiment_split(train_examples: int, test_examples: int, seed: int) -> SentimentSplit:
    """The shared shuffled split, training part subsampled to `train_examples` (0 = all)."""
    split = split_sentiment(load_sentiment(), test_size=test_examples, seed=seed)
    if train_examples and train_examples < len(split.train):
        return SentimentSplit(sample(split.train, train_examples, seed), split.test)
    return split


def tfidf_baseline(split: SentimentSplit) -> dict[str, float]:
    """Accuracy of TF-IDF (word 1-2 grams) + logistic regression, and of the majority class."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    features = vectorizer.fit_transform(split.train.texts)
    classifier = LogisticRegression(max_iter=1000, C=4.0).fit(features, split.train.labels)
    predicted = classifier.predict(vectorizer.transform(split.test.texts))
    majority = np.bincount(split.train.labels).argmax()
    return {
        "tfidf_accuracy": float(np.mean(predicted == split.test.labels)),
        "majority_accuracy": float(np.mean(split.test.labels == majority)),
    }
