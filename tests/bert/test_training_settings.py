"""Sentiment's layer-wise learning-rate decay and masked LM's frozen lower layers, on a tiny
random BERT: which weights move in one training step, and by how much."""
import keras
import numpy as np
import pytest

from zoo.errors import ZooError

SMALL = {"train_examples": 32, "validation_examples": 8, "test_examples": 8, "sequence_length": 16, "batch_size": 32}


def one_step(task):
    """The model before and after one training step on the task's first batch."""
    keras.utils.set_random_seed(0)
    model = task.build_model()
    task.compile(model)
    batch = next(iter(task.datasets().train))
    before = {w.path: np.array(w) for w in model.weights}
    model.train_on_batch(*batch)
    return model, before


def change(model, before, name: str) -> float:
    """The largest absolute change of the weights whose path contains `name`."""
    return max(float(np.abs(np.array(w) - before[w.path]).max()) for w in model.weights if name in w.path)


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_sentiment_layerwise_decay_slows_lower_blocks(tiny_task, pooling):
    # Adam's first step moves every weight by about the learning rate, so the step size shows each layer's rate
    model, before = one_step(tiny_task("bert_sentiment", learning_rate=1e-3, layerwise_lr_decay=0.5, pooling=pooling, **SMALL))
    top, bottom = change(model, before, "transformer_layer_1/"), change(model, before, "transformer_layer_0/")
    assert top == pytest.approx(1e-3, rel=0.05) and bottom == pytest.approx(5e-4, rel=0.05)
    assert change(model, before, "embeddings_layer_norm") == pytest.approx(2.5e-4, rel=0.05)   # two levels down
    assert change(model, before, "logits") == pytest.approx(1e-3, rel=0.05)   # the head at the base rate
    with pytest.raises(ZooError, match="layerwise_lr_decay"):
        tiny_task("bert_sentiment", layerwise_lr_decay=0.0)


@pytest.mark.parametrize("trainable_layers, moving", [(0, []), (1, ["transformer_layer_1/"])])
def test_masked_lm_trains_its_head_and_the_top_blocks_it_is_given(tiny_task, trainable_layers, moving):
    model, before = one_step(tiny_task("bert_masked_lm", learning_rate=1e-3, trainable_layers=trainable_layers, **SMALL))
    assert change(model, before, "mlm_head") > 1e-4
    for name in ("token_embedding", "transformer_layer_0/", "transformer_layer_1/"):
        assert (change(model, before, name) > 0) == (name in moving), name
