"""Masked language modelling with keras-hub's `BertMaskedLM`: fill-mask, and further
pre-training on a user's text with BERT's 80/10/10 masking (`BertMaskedLMPreprocessor`).

The MLM head reuses the backbone's token embeddings; presets that ship MLM weights load them,
MiniLM (a sentence encoder) does not, so its head is trained by further pre-training.

    filler = MaskFiller(tokenizer, sequence_length=64, top_k=5)
    filler(masked_lm, tf.constant(["the weather is [MASK] today"]))["tokens"][0, 0]
    top_k_accuracy([["sunny", "nice"]], [["nice"]], k=2)            # 1.0: an answer among the first 2
"""
from __future__ import annotations

from typing import Sequence

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.tokenization import clean_utf8


def masking_preprocessor(tokenizer: keras_hub.models.BertTokenizer, sequence_length: int) -> keras_hub.models.BertMaskedLMPreprocessor:
    """15% of pieces selected; of those 80% become [MASK], 10% a random token, 10% stay (drawn
    from TensorFlow's random ops, so `keras.utils.set_random_seed` makes them repeatable)."""
    return keras_hub.models.BertMaskedLMPreprocessor(
        tokenizer, sequence_length=sequence_length, mask_selection_rate=0.15,
        mask_selection_length=max(1, round(0.15 * sequence_length) + 2),
        mask_token_rate=0.8, random_token_rate=0.1,
    )


def build_masked_lm(backbone: keras_hub.models.BertBackbone, preset: str | None = None) -> keras_hub.models.BertMaskedLM:
    """keras-hub's masked LM over `backbone`; with a preset that has MLM weights, those weights."""
    if preset is not None:
        try:
            return keras_hub.models.BertMaskedLM.from_preset(preset, preprocessor=None)
        except (ValueError, FileNotFoundError, OSError):
            pass
    return keras_hub.models.BertMaskedLM(backbone, preprocessor=None)


class MaskFiller:
    """Top-k tokens for every [MASK] in raw texts (masks past the sequence length are dropped)."""

    def __init__(self, tokenizer: keras_hub.models.BertTokenizer, sequence_length: int, top_k: int):
        self.tokenizer = tokenizer
        self.top_k = top_k
        self.preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=sequence_length)
        self.vocabulary = tf.constant(tokenizer.get_vocabulary())

    def __call__(self, model: keras.Model, texts: tf.Tensor) -> dict[str, tf.Tensor]:
        """tokens / probabilities [N, masks, top_k] (masks padded with "" / 0) and mask_count [N]."""
        inputs = self.preprocessor(clean_utf8(texts))
        token_ids = inputs["token_ids"]
        positions = tf.ragged.boolean_mask(tf.ones_like(token_ids) * tf.range(tf.shape(token_ids)[1]), token_ids == self.tokenizer.mask_token_id)
        padded = positions.to_tensor(default_value=0)
        logits = model({
            "token_ids": token_ids, "segment_ids": inputs["segment_ids"],
            "padding_mask": tf.cast(inputs["padding_mask"], tf.int32), "mask_positions": padded,
        }, training=False)
        probabilities, ids = tf.math.top_k(tf.nn.softmax(logits, axis=-1), k=self.top_k)
        real = tf.sequence_mask(positions.row_lengths(), tf.shape(padded)[1])[:, :, None]
        return {
            "tokens": tf.where(real, tf.gather(self.vocabulary, ids), ""),
            "probabilities": tf.where(real, probabilities, 0.0),
            "mask_count": positions.row_lengths(),
        }


def top_k_accuracy(predictions: Sequence[Sequence[str]], answers: Sequence[Sequence[str]], k: int) -> float:
    """The share of masks whose `k` most likely predicted tokens (best first) include one of their answers."""
    if len(predictions) != len(answers):
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} masks")
    return float(np.mean([bool(set(guesses[:k]) & set(accepted)) for guesses, accepted in zip(predictions, answers)]))
