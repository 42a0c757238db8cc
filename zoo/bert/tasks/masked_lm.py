"""`bert_masked_lm`: fill-mask, and further pre-training on tweets with BERT's 80/10/10 masking
(keras-hub's `BertMaskedLM`); measured as masked-token accuracy on test tweets and top-1 / top-5
accuracy on hand-written everyday sentences, against always guessing the most frequent masked tokens.

    task = zoo.get_task("bert_masked_lm")
    model = zoo.train(task)
    task.endpoints(model)[0](text=["the weather is [MASK] today"])   # tokens, probabilities [1, masks, top_k]
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.backbone import load_tokenizer, preset_of
from zoo.bert.classification import sentiment_split
from zoo.bert.config import MaskedLMConfig
from zoo.bert.masked_lm import MaskFiller, build_masked_lm, masking_preprocessor, top_k_accuracy
from zoo.bert.task import EVALUATION_BATCH, TEXT, BertTask
from zoo.bert.tokenization import clean_utf8
from zoo.datasets.sentiment import LabelledTexts
from zoo.endpoint import Endpoint
from zoo.everyday import everyday_items
from zoo.finetuning import backbone_layer_groups
from zoo.tables import markdown_table
from zoo.task import Report, Splits

EVERYDAY_TOP_K = 5


class MaskedLMTask(BertTask):
    """Fill-mask, and further pre-training on tweets with BERT's 80/10/10 masking."""

    config_class = MaskedLMConfig
    config: MaskedLMConfig

    @functools.cached_property
    def tokenizer(self) -> keras_hub.models.BertTokenizer:
        return load_tokenizer(self.config.backbone, special_tokens_in_strings=True)

    @functools.cached_property
    def split(self) -> Splits[LabelledTexts]:
        c = self.config
        return sentiment_split(c.train_examples, c.validation_examples, c.test_examples, c.seed)

    def _masked(self, texts: np.ndarray, *, batch_size: int, shuffle: bool = False) -> tf.data.Dataset:
        masker = masking_preprocessor(self.tokenizer, self.config.sequence_length)

        def mask(batch: tf.Tensor):
            x, y, weights = masker(clean_utf8(batch))
            return {**x, "padding_mask": tf.cast(x["padding_mask"], tf.int32)}, y, weights

        ds = tf.data.Dataset.from_tensor_slices(list(texts))
        if shuffle:
            ds = ds.shuffle(10_000, seed=self.config.seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).map(mask).prefetch(tf.data.AUTOTUNE)

    def datasets(self) -> Splits:
        c, split = self.config, self.split
        return Splits(
            train=self._masked(split.train.texts, batch_size=c.batch_size, shuffle=True),
            validation=self._masked(split.validation.texts, batch_size=EVALUATION_BATCH),
            test=self._masked(split.test.texts, batch_size=EVALUATION_BATCH),
        )

    def build_model(self) -> keras.Model:
        """keras-hub's masked LM; with `trainable_layers` >= 0, the backbone's embeddings and all
        but its top `trainable_layers` blocks frozen."""
        c = self.config
        model = build_masked_lm(self.backbone(), None if c.backbone in ("minilm", "tiny") else preset_of(c.backbone))
        if c.trainable_layers >= 0:
            groups = backbone_layer_groups(model.backbone)
            for group in groups[:max(0, len(groups) - c.trainable_layers)]:
                for layer in group:
                    layer.trainable = False
        return model

    def compile(self, model: keras.Model) -> None:
        model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate), loss=self.loss(), weighted_metrics=["accuracy"])

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        """Masked-token accuracy on the test tweets, and top-1 / top-5 accuracy on the everyday
        sentences (one [MASK] each, any of its answers counts); the baseline always guesses the
        tokens most often masked in the validation tweets."""
        validation_targets = np.concatenate([np.asarray(y)[np.asarray(w) > 0] for _, y, w in self.datasets().validation])
        most_common = np.argsort(-np.bincount(validation_targets), kind="stable")[:EVERYDAY_TOP_K]
        hits = total = unigram = 0
        for x, y, weights in self.datasets().test:
            predicted = np.argmax(model.predict_on_batch(x), axis=-1)
            real = np.asarray(weights) > 0
            hits += int(np.sum((predicted == y) & real))
            unigram += int(np.sum((np.asarray(y) == most_common[0]) & real))
            total += int(real.sum())
        items = everyday_items("bert_masked_lm", required=("text", "answers"))
        filler = MaskFiller(self.tokenizer, self.config.sequence_length, EVERYDAY_TOP_K)
        tokens = filler(model, tf.constant([item["text"] for item in items]))["tokens"].numpy()[:, 0]
        guesses = [[token.decode() for token in row] for row in tokens]
        answers = [item["answers"] for item in items]
        frequent = [[self.tokenizer.id_to_token(int(i)) for i in most_common]] * len(items)
        metrics = {"masked_accuracy": hits / total, "unigram_accuracy": unigram / total,
                   "everyday_top1_accuracy": top_k_accuracy(guesses, answers, 1),
                   "everyday_top5_accuracy": top_k_accuracy(guesses, answers, EVERYDAY_TOP_K),
                   "everyday_unigram_top1_accuracy": top_k_accuracy(frequent, answers, 1),
                   "everyday_unigram_top5_accuracy": top_k_accuracy(frequent, answers, EVERYDAY_TOP_K)}
        comparison = markdown_table(["model", "masked-token accuracy (tweets)", "everyday top-1", "everyday top-5"], [
            [f"BERT MLM ({self.config.backbone})", f"{metrics['masked_accuracy']:.3f}",
             f"{metrics['everyday_top1_accuracy']:.3f}", f"{metrics['everyday_top5_accuracy']:.3f}"],
            [f"most frequent tokens ({', '.join(map(repr, frequent[0]))})", f"{metrics['unigram_accuracy']:.3f}",
             f"{metrics['everyday_unigram_top1_accuracy']:.3f}", f"{metrics['everyday_unigram_top5_accuracy']:.3f}"],
        ])
        rows = [[item["text"], ", ".join(item["answers"]), ", ".join(row)] for item, row in zip(items, guesses)]
        return Report(metrics, {"comparison": comparison,
                                "everyday": markdown_table(["text", "answers", f"BERT MLM top {EVERYDAY_TOP_K}"], rows)})

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        texts = ["this movie was really [MASK] .", "the weather is [MASK] today", "no mask here", "[MASK] and [MASK]"]
        return {"fill_mask": {"text": np.array(texts, dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        filler = MaskFiller(self.tokenizer, self.config.sequence_length, self.config.top_k)
        return [Endpoint("fill_mask", lambda text: filler(model, text), {"text": TEXT}, self.examples()["fill_mask"],
                         "texts with [MASK] -> top-k tokens and probabilities per mask; mask_count per text")]
