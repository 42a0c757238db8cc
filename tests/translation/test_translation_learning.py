"""A short real training run learns to translate, and the `translate` endpoint gives defined
results on any input."""
import numpy as np
import pytest
from translation_helpers import EDGE

from zoo.errors import ZooError
from zoo.translation.task import decoding_settings


def test_training_beats_every_model_that_ignores_its_input(trained):
    measured, _ = trained.task.test_scores(trained.endpoints[0])
    constant, baseline = trained.task.constant_baseline()
    assert baseline["bleu"] < 25
    assert measured["bleu"] > baseline["bleu"] + 20 and measured["chrf"] > baseline["chrf"] + 5


@pytest.mark.parametrize("beam_width", [1, 3])
def test_edge_inputs_give_defined_results(trained, beam_width):
    translate = trained.endpoints[0]
    out = translate(text=EDGE, **decoding_settings(beam_width, 10))
    assert out["translation"].shape == (len(EDGE),) and all(isinstance(t, bytes) for t in out["translation"])
    assert out["attention"].shape[:2] == (len(EDGE), out["target_tokens"].shape[1]) and out["target_tokens"].shape[1] <= 10
    assert out["source_tokens"].shape[1] == trained.task.config.source_length   # a long input is cut to source_length
    assert np.isfinite(out["attention"]).all()
    assert out["translation"][-1] == out["translation"][-1].strip() and out["translation"][-1]
    alone = translate(text=EDGE[-1:], **decoding_settings(beam_width, 10))
    assert alone["translation"][0] == out["translation"][-1]    # padding in a batch changes nothing


def test_max_length_bounds_the_output(trained):
    translate = trained.endpoints[0]
    out = translate(text=np.array(["mil novecientos noventa y nueve"], dtype=object), **decoding_settings(1, 2))
    assert out["target_tokens"].shape[1] <= 2 and len(out["translation"][0].split()) <= 2


@pytest.mark.parametrize("settings, message", [
    ((0, 10), "beam_width must be at least 1"), ((17, 10), "beam_width must be at most 16"), ((1, 0), "max_length must be at least 1"),
])
def test_out_of_range_settings_are_rejected(trained, settings, message):
    translate = trained.endpoints[0]
    with pytest.raises(ZooError, match=message):
        translate(text=np.array(["uno"], dtype=object), **decoding_settings(*settings))
