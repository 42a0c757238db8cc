"""Sentiment's classifier heads on a tiny random BERT: the masked mean reads the real word pieces
only, and an unknown pooling is a clear error."""
import numpy as np
import pytest
import tensorflow as tf

from zoo.bert.backbone import backbone_in
from zoo.errors import ZooError

TEXTS = tf.constant(["I love the new update, works great!", "worst service ever", ""])


def test_mean_pooling_leaves_the_padding_out(tiny_task):
    short, long = (tiny_task("bert_sentiment", pooling="mean", sequence_length=n) for n in (16, 40))
    model = short.build_model()
    padded = long.model_inputs(TEXTS)
    other_padding = {**padded, "token_ids": tf.where(padded["padding_mask"] == 1, padded["token_ids"], 2000)}
    expected = model(short.model_inputs(TEXTS), training=False).numpy()
    for inputs in (padded, other_padding):
        np.testing.assert_allclose(model(inputs, training=False).numpy(), expected, atol=1e-5)
    # the hidden states at padded positions do change with their token ids: a mean over every position would differ
    hidden = [backbone_in(model)(inputs, training=False)["sequence_output"].numpy() for inputs in (padded, other_padding)]
    assert np.abs(hidden[0].mean(axis=1) - hidden[1].mean(axis=1)).max() > 1e-3


def test_pooling_is_mean_or_cls(tiny_task):
    assert tiny_task("bert_sentiment", pooling="mean").build_model().name == "bert_mean_pooled_classifier"
    assert type(tiny_task("bert_sentiment", pooling="cls").build_model()).__name__ == "BertTextClassifier"
    with pytest.raises(ZooError, match=r"'pooling' must be one of 'mean', 'cls', got 'max'"):
        tiny_task("bert_sentiment", pooling="max")
