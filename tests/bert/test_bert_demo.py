"""Each BERT demo tab builds and its callback returns what the endpoint computed, shaped for its
component, and no note for an input that fits the model's window."""
import gradio as gr
import numpy as np
import pytest

from demos.backends import InProcessBackend

SENTENCE = "Anna Weber flew from Berlin to Lyon."
CONTEXT = "Lima is the capital of Peru. Peru lies in South America."


def tab_callback(task, endpoint, tmp_path):
    from demos.bert import build_tab

    with gr.Blocks() as app:
        build_tab(task, InProcessBackend([endpoint]), tmp_path)
    return next(fn for fn in app.fns.values() if fn.api_name and fn.api_name.startswith(task.name)).fn


@pytest.mark.parametrize("name", ["bert_sentiment", "bert_ner", "bert_qa", "bert_masked_lm", "bert_next_sentence"])
def test_tab_builds_and_shows_the_endpoints_answer(name, demo_endpoints, tmp_path):
    task, endpoint = demo_endpoints[name]
    callback = tab_callback(task, endpoint, tmp_path)
    if name == "bert_sentiment":
        out, note = callback(SENTENCE)
        expected = endpoint(text=np.array([SENTENCE], dtype=object))["probabilities"][0]
        assert list(out) == ["negative", "neutral", "positive"] and np.allclose(list(out.values()), expected, atol=1e-6)
    elif name == "bert_ner":
        out, note = callback(SENTENCE)
        expected = endpoint(text=np.array([SENTENCE], dtype=object))
        assert out["text"] == SENTENCE and len(out["entities"]) == expected["count"][0]
        assert all(0 <= e["start"] < e["end"] <= len(SENTENCE) for e in out["entities"])
    elif name == "bert_qa":
        segments, note = callback("What is the capital of Peru?", CONTEXT)
        expected = endpoint(question=np.array(["What is the capital of Peru?"], dtype=object), context=np.array([CONTEXT], dtype=object))
        assert "".join(text for text, _ in segments) == CONTEXT
        assert [text for text, label in segments if label] == [expected["answer"][0].decode()]
    elif name == "bert_masked_lm":
        rows, note = callback("this movie was really [MASK] .")
        expected = endpoint(text=np.array(["this movie was really [MASK] ."], dtype=object))
        assert [row[0] for row in rows] == [1] * task.config.top_k
        assert [row[1] for row in rows] == [t.decode() for t in expected["tokens"][0][0]]
        assert [row[2] for row in rows] == sorted((row[2] for row in rows), reverse=True)
    else:
        out, note = callback("The capital of Peru is Lima.", "In Peru people pay with the Sol.")
        expected = endpoint(first=np.array(["The capital of Peru is Lima."], dtype=object),
                            second=np.array(["In Peru people pay with the Sol."], dtype=object))
        assert out["next"] == pytest.approx(float(expected["probability_next"][0])) and out["next"] + out["random"] == pytest.approx(1.0)
    assert note == ""
