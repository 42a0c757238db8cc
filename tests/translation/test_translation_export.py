"""The exported `translate` signatures (verified through the session loader and
tf.saved_model.load) answer edge inputs exactly as the in-process endpoints do; the demo tab
shows the endpoint's translation and an attention heatmap."""
import gradio as gr
import numpy as np
import pytest

from demos.backends import InProcessBackend
from serving.export.exporter import export
from serving.saved_model import SessionModel
from serving.export.verify import Tolerance, compare
from zoo.translation.task import decoding_settings
from translation_helpers import EDGE, tiny_task


@pytest.mark.slow
def test_export_matches_in_process(trained, tmp_path):
    endpoints = trained.endpoints
    result = export(trained.model, endpoints, tmp_path / "translation_attention")
    assert result.verification.ok and {c.loader for c in result.verification.checks} == {"session loader", "tf.saved_model", "saved graph"}
    assert result.signatures == ["serving_default", "translate", "translate_text"]
    session = SessionModel.load(result.path)
    try:
        for beam_width in (1, 3):
            inputs = {"text": EDGE, **decoding_settings(beam_width, 12)}
            served, expected = session.run("translate", inputs), endpoints[0](**inputs)
            checks = compare("session loader", "translate", served, expected, Tolerance())
            assert sorted(served) == sorted(expected) and all(check.ok for check in checks), checks
        text_only = session.run("translate_text", {"text": EDGE})["translation"]
        np.testing.assert_array_equal(text_only, endpoints[1](text=EDGE)["translation"])
    finally:
        session.close()


def test_demo_tab_shows_translation_and_heatmap(trained, tmp_path):
    from demos.translation import build_tab

    endpoints = trained.endpoints
    with gr.Blocks() as app:
        build_tab(trained.task, InProcessBackend(endpoints), tmp_path)
    callback = next(fn for fn in app.fns.values() if fn.api_name == "translation_attention_translate").fn
    translation, heatmap, note = callback("veintitrés", 1, 10)
    assert translation == endpoints[0](text=np.array(["veintitrés"], dtype=object), **decoding_settings(1, 10))["translation"][0].decode()
    assert heatmap.ndim == 3 and heatmap.shape[2] == 3 and heatmap.std() > 0
    assert note == "", "a one-token text fits and is known to the vocabulary"


@pytest.mark.slow
def test_the_exported_transformer_serves_its_attention_map(tmp_path):
    from zoo.training import train

    task = tiny_task("translation_transformer", num_layers=1, steps_per_epoch=60)
    model = train(task, tmp_path / "models", verbose=0)
    result = export(model, task.endpoints(model), tmp_path / "translation_transformer")
    assert result.verification.ok
    session = SessionModel.load(result.path)
    try:
        served = session.run("translate", {"text": np.array(["trescientos cuarenta y dos", "veintitrés"], dtype=object),
                                           **decoding_settings(3, 12)})
    finally:
        session.close()
    sums = served["attention"].sum(-1)
    np.testing.assert_allclose(sums[sums > 0], 1.0, atol=1e-5)
    # one row per produced token, and one for the end token unless the length limit came first
    assert (sums > 0).sum(1).tolist() == [min((row != b"").sum() + 1, 12) for row in served["target_tokens"]]
