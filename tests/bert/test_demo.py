"""Each BERT demo tab builds and its callback returns what its component shows."""
import gradio as gr
import pytest

from demos.backends import InProcessBackend


@pytest.mark.parametrize("name", ["bert_sentiment", "bert_ner"])
def test_tab_builds_and_answers(name, tiny_task, tmp_path):
    from zoo.bert.demo import build_tab

    task = tiny_task(name, sequence_length=32)
    backend = InProcessBackend(task.endpoints(task.build_model()))
    with gr.Blocks() as app:
        build_tab(task, backend, tmp_path)
    callback = next(fn for fn in app.fns.values() if fn.api_name and fn.api_name.startswith(name)).fn
    value = "Anna Weber flew from Berlin to Lyon."
    out = callback(value)
    if name == "bert_sentiment":
        assert set(out) == {"negative", "neutral", "positive"} and abs(sum(out.values()) - 1) < 1e-5
    else:
        assert out["text"] == value and all(0 <= e["start"] < e["end"] <= len(value) for e in out["entities"])
