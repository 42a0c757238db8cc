"""`bert_next_sentence`: next-sentence prediction as in BERT's pre-training, with keras-hub's
`BertTextClassifier` (pooled [CLS] -> dense, two classes) on pairs of country-fact sentences;
measured as accuracy against the majority class.

    task = zoo.get_task("bert_next_sentence")
    model = zoo.train(task)
    task.endpoints(model)[0](first=["The capital of Peru is Lima."], second=["In Peru people pay with the Sol."])
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.bert.config import NextSentenceConfig
from zoo.bert.next_sentence import LABELS as NEXT_SENTENCE_LABELS
from zoo.bert.next_sentence import SentencePairs, generate_pairs
from zoo.bert.task import TEXT, TextClassifierTask
from zoo.endpoint import Endpoint
from zoo.tables import markdown_table
from zoo.task import Report, Splits


class NextSentenceTask(TextClassifierTask):
    """Next-sentence prediction: `BertTextClassifier` (pooled [CLS] -> dense) on sentence pairs."""

    config_class = NextSentenceConfig
    config: NextSentenceConfig
    labels = NEXT_SENTENCE_LABELS

    @functools.cached_property
    def split(self) -> Splits[SentencePairs]:
        return self.generated(generate_pairs)

    def encode(self, pairs: SentencePairs) -> tuple[dict[str, np.ndarray], np.ndarray]:
        inputs = self.model_inputs(tf.constant(list(pairs.first)), tf.constant(list(pairs.second)))
        return {k: v.numpy() for k, v in inputs.items()}, pairs.labels

    def predict_next(self, model: keras.Model, first: tf.Tensor, second: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = self.probabilities(model, first, second)
        return {"label": self.most_likely(probabilities), "probability_next": probabilities[:, 1]}

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        train, test = self.split.train, self.split.test
        majority = np.bincount(train.labels).argmax()
        metrics = {"accuracy": float(np.mean(self.predicted_classes(model, test) == test.labels)),
                   "majority_accuracy": float(np.mean(test.labels == majority))}
        table = markdown_table(["model", "next-sentence accuracy"], [
            [f"BERT ({self.config.backbone})", f"{metrics['accuracy']:.3f}"],
            ["majority class (chance)", f"{metrics['majority_accuracy']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        test = self.split.test
        return {"next_sentence": {"first": np.array([test.first[1], test.first[0], ""], dtype=object),
                                  "second": np.array([test.second[1], test.second[0], ""], dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("preprocessor")
        return [Endpoint("next_sentence", lambda first, second: self.predict_next(model, first, second),
                         {"first": TEXT, "second": TEXT}, self.examples()["next_sentence"],
                         "sentence pairs -> label (next/random) and the probability that the second follows the first")]
