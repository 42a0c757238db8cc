"""Every BERT task's model survives `model.keras` (custom layers registered): same outputs after reloading."""
import keras
import numpy as np
import pytest

SEQUENCE = 16


def backbone_inputs(model: keras.Model) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    every = {
        "token_ids": rng.integers(1000, 30000, (2, SEQUENCE)).astype("int32"),
        "segment_ids": np.repeat([[0] * 8 + [1] * 8], 2, axis=0).astype("int32"),
        "padding_mask": np.repeat([[1] * 12 + [0] * 4], 2, axis=0).astype("int32"),
        "mask_positions": np.array([[1, 3], [2, 5]], dtype="int32"),
    }
    return {name: every[name] for name in model.input}


@pytest.mark.parametrize("name", ["bert_sentiment", "bert_ner", "bert_qa", "bert_masked_lm", "bert_next_sentence"])
def test_model_keras_round_trip_gives_the_same_outputs(name, tiny_task, tmp_path):
    model = tiny_task(name).build_model()
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    inputs = backbone_inputs(model)
    expected, again = keras.tree.flatten(model(inputs, training=False)), keras.tree.flatten(reloaded(inputs, training=False))
    assert len(again) == len(expected) and type(reloaded) is type(model)
    for value, served in zip(expected, again):
        np.testing.assert_allclose(np.asarray(served), np.asarray(value), atol=1e-6)
