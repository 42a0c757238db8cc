"""`bert_sentiment`: three-class tweet sentiment with a BERT classifier (by default the masked
mean of the last hidden states -> dense, `pooling="mean"`; keras-hub's `BertTextClassifier`,
pooled [CLS] -> dense, with `pooling="cls"`), compared with TF-IDF + logistic regression and the
majority class on the test tweets and on the hand-written everyday texts.

    task = zoo.get_task("bert_sentiment")
    model = zoo.train(task)
    task.evaluate(model, Path("out")).tables["comparison"]
    task.endpoints(model)[0](text=["I love this!"])     # {"label": [b"positive"], "probabilities": [1, 3]}
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.bert.backbone import backbone_in
from zoo.bert.classification import everyday_sentiment, mean_pooled_classifier, sentiment_split, tfidf_baseline
from zoo.bert.config import SentimentConfig
from zoo.bert.task import TEXT, TextClassifierTask
from zoo.datasets.sentiment import LABELS as SENTIMENTS
from zoo.datasets.sentiment import LabelledTexts
from zoo.endpoint import Endpoint
from zoo.finetuning import backbone_layer_groups, layerwise_lr_multipliers, layerwise_optimizer
from zoo.tables import markdown_table
from zoo.task import Report, Splits


class SentimentTask(TextClassifierTask):
    """Three-class tweet sentiment: BERT (mean-pooled hidden states -> dense) vs TF-IDF."""

    config_class = SentimentConfig
    config: SentimentConfig
    labels = SENTIMENTS

    @functools.cached_property
    def split(self) -> Splits[LabelledTexts]:
        c = self.config
        return sentiment_split(c.train_examples, c.validation_examples, c.test_examples, c.seed)

    def build_model(self) -> keras.Model:
        """The masked-mean-pooling classifier, or with `pooling="cls"` keras-hub's `BertTextClassifier`."""
        if self.config.pooling == "cls":
            return super().build_model()
        return mean_pooled_classifier(self.backbone(), num_classes=len(self.labels))

    def compile(self, model: keras.Model) -> None:
        """Adam at `learning_rate`, with layer-wise decay over the backbone's blocks when `layerwise_lr_decay` < 1."""
        c = self.config
        optimizer = keras.optimizers.Adam(c.learning_rate)
        if c.layerwise_lr_decay != 1.0:
            multipliers = layerwise_lr_multipliers(backbone_layer_groups(backbone_in(model)), c.layerwise_lr_decay)
            optimizer = layerwise_optimizer(optimizer, multipliers)
        model.compile(optimizer=optimizer, loss=self.loss(), metrics=self.metrics())

    def encode(self, tweets: LabelledTexts) -> tuple[dict[str, np.ndarray], np.ndarray]:
        inputs = self.model_inputs(tf.constant(list(tweets.texts)))
        return {key: value.numpy() for key, value in inputs.items()}, tweets.labels

    def classify(self, model: keras.Model, text: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = self.probabilities(model, text)
        return {"label": self.most_likely(probabilities), "probabilities": probabilities}

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        """Accuracy on the test tweets and on the everyday texts, beside TF-IDF's and the
        majority class's; the everyday texts with the model's label and probability."""
        test, everyday = self.split.test, everyday_sentiment()
        probabilities = self.probabilities(model, tf.constant(list(everyday.texts))).numpy()
        predicted = probabilities.argmax(axis=-1)
        metrics = {"accuracy": float(np.mean(self.predicted_classes(model, test) == test.labels)),
                   "everyday_accuracy": float(np.mean(predicted == everyday.labels)),
                   **tfidf_baseline(self.split, everyday)}
        comparison = markdown_table(["model", "test accuracy (tweets)", "everyday accuracy"], [
            [f"BERT ({self.config.backbone}, {self.config.pooling} pooling)", f"{metrics['accuracy']:.3f}", f"{metrics['everyday_accuracy']:.3f}"],
            ["TF-IDF + logistic regression", f"{metrics['tfidf_accuracy']:.3f}", f"{metrics['everyday_tfidf_accuracy']:.3f}"],
            ["majority class", f"{metrics['majority_accuracy']:.3f}", f"{metrics['everyday_majority_accuracy']:.3f}"],
        ])
        rows = [[text, self.labels[label], self.labels[guess], f"{p[guess]:.2f}"]
                for text, label, guess, p in zip(everyday.texts, everyday.labels, predicted, probabilities)]
        return Report(metrics, {"comparison": comparison,
                                "everyday": markdown_table(["text", "label", "BERT", "probability"], rows)})

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        return {"classify": {"text": np.array(["I love the new update, works great!", "worst service ever", ""], dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("preprocessor")
        return [Endpoint("classify", lambda text: self.classify(model, text), {"text": TEXT}, self.examples()["classify"],
                         "texts -> label (negative/neutral/positive) and class probabilities")]
