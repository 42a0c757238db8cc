"""Sentiment classification of tweets (negative / neutral / positive) with a BERT backbone: the
masked-mean-pooling classifier (the default head; keras-hub's `BertTextClassifier`, pooled [CLS],
is the other), the tweets' split, the hand-written everyday texts, and the TF-IDF +
logistic-regression and majority baselines on both.

    model = mean_pooled_classifier(backbone, num_classes=3)   # token_ids, segment_ids, padding_mask -> logits
    split = sentiment_split(train=2500, validation=500, test=1000, seed=0)   # Splits of LabelledTexts
    everyday = everyday_sentiment()                # 51 texts, 17 per label
    tfidf_baseline(split, everyday)                # {"tfidf_accuracy": ..., "everyday_tfidf_accuracy": ..., ...}
"""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from zoo.datasets.sentiment import LABELS, LabelledTexts, load_sentiment, sample, split_sentiment
from zoo.errors import ZooError
from zoo.everyday import everyday_items
from zoo.task import Splits


def mean_pooled_classifier(backbone: keras_hub.models.BertBackbone, num_classes: int, dropout: float = 0.1) -> keras.Model:
    """Logits over `num_classes` from the mean of the backbone's last hidden states over the real
    word pieces (padding left out), through dropout and a dense layer: the pooling
    all-MiniLM-L6-v2 was trained with (sentence-transformers). A functional model on the
    backbone's inputs, with the backbone as one of its layers."""
    inputs = backbone.input
    sequence = backbone(inputs)["sequence_output"]
    # The pooling layer reads the int padding mask as booleans: padded positions count for nothing.
    pooled = keras.layers.GlobalAveragePooling1D(dtype=backbone.dtype_policy, name="mean_pooling")(sequence, mask=inputs["padding_mask"])
    pooled = keras.layers.Dropout(dropout, dtype=backbone.dtype_policy, name="classifier_dropout")(pooled)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
                                dtype=backbone.dtype_policy, name="logits")(pooled)
    return keras.Model(inputs, logits, name="bert_mean_pooled_classifier")


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
