"""The BERT demo tabs: classify a text, answer a question about a context, highlight entities,
fill a [MASK], judge whether one sentence follows another. Each calls the task's one endpoint
through `backend` (in-process or TF Serving).
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np


def _texts(value: str) -> dict[str, np.ndarray]:
    return {"text": np.array([value], dtype=object)}


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """Lay out the tab for `task.name` and wire it to `backend`."""
    kind = type(task).__name__
    gr.Markdown(f"**{task.name.replace('_', ' ')}** on BERT `{task.config.backbone}`. {type(task).__doc__.splitlines()[0]}")
    if kind == "SentimentTask":
        text = gr.Textbox(label="Text", value="I love the new update, works great!")
        label = gr.Label(label="Sentiment")

        def classify(value: str):
            out = backend.predict(_texts(value), signature_name="classify")
            return dict(zip(("negative", "neutral", "positive"), map(float, out["probabilities"][0])))

        gr.Button("Classify", variant="primary").click(classify, text, label, api_name=f"{task.name}_classify")
    elif kind == "QuestionAnsweringTask":
        context = gr.Textbox(label="Context", lines=5, value=str(task.data[1].contexts[0]))
        question = gr.Textbox(label="Question", value=str(task.data[1].questions[0]))
        answer = gr.HighlightedText(label="Answer in its context")

        def ask(question_text: str, context_text: str):
            out = backend.predict({"question": np.array([question_text], dtype=object), "context": np.array([context_text], dtype=object)},
                                  signature_name="answer")
            start, end = int(out["start"][0]), int(out["end"][0])
            if end <= start:
                return [(context_text, None)]
            return [(context_text[:start], None), (context_text[start:end], f"answer {out['score'][0]:.2f}"), (context_text[end:], None)]

        gr.Button("Answer", variant="primary").click(ask, [question, context], answer, api_name=f"{task.name}_answer")
    elif kind == "EntityTask":
        text = gr.Textbox(label="Text", value="Anna Weber flew from Berlin to Lyon to meet the board of Siemens.")
        entities = gr.HighlightedText(label="Entities")

        def tag(value: str):
            out = backend.predict(_texts(value), signature_name="tag")
            spans = [(int(s), int(e), label.decode()) for s, e, label in
                     zip(out["start"][0][: out["count"][0]], out["end"][0][: out["count"][0]], out["label"][0][: out["count"][0]])]
            return {"text": value, "entities": [{"start": s, "end": e, "entity": label} for s, e, label in spans]}

        gr.Button("Tag", variant="primary").click(tag, text, entities, api_name=f"{task.name}_tag")
    elif kind == "NextSentenceTask":
        first = gr.Textbox(label="Sentence A", value=str(task.data[1].first[1]))
        second = gr.Textbox(label="Sentence B", value=str(task.data[1].second[1]))
        verdict = gr.Label(label="Does B follow A?")

        def judge(first_text: str, second_text: str):
            out = backend.predict({"first": np.array([first_text], dtype=object), "second": np.array([second_text], dtype=object)},
                                  signature_name="next_sentence")
            probability = float(out["probability_next"][0])
            return {"next": probability, "random": 1.0 - probability}

        gr.Button("Judge", variant="primary").click(judge, [first, second], verdict, api_name=f"{task.name}_next_sentence")
    else:
        text = gr.Textbox(label="Text with [MASK]", value="this movie was really [MASK] .")
        table = gr.Dataframe(headers=["mask", "token", "probability"], label="Top tokens")

        def fill(value: str):
            out = backend.predict(_texts(value), signature_name="fill_mask")
            return [[m + 1, token.decode(), round(float(p), 4)] for m in range(int(out["mask_count"][0]))
                    for token, p in zip(out["tokens"][0][m], out["probabilities"][0][m])]

        gr.Button("Fill", variant="primary").click(fill, text, table, api_name=f"{task.name}_fill_mask")
