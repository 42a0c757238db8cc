"""The BERT demo tabs: classify a text, answer a question about a context, highlight entities,
fill a [MASK], judge whether one sentence follows another. Each calls the task's one endpoint
through `backend` (in-process or TF Serving).

Each tab refuses an empty input before calling the model, and says so beside the result when an
input did not fit in the model's window of `config.sequence_length` word pieces (counted with
the task's own tokenizer): the model reads the first pieces and never sees the rest.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np

from demos.errors import model_error
from demos.examples import first_example


def _texts(value: str) -> dict[str, np.ndarray]:
    return {"text": np.array([value], dtype=object)}


def require(*fields: tuple[str, str]) -> None:
    """Refuse the request, naming what is missing, if any (name, value) field is blank."""
    missing = [name for name, value in fields if not value.strip()]
    if missing:
        raise gr.Error(f"Type {' and '.join(missing)} first.")


def word_pieces(task, text: str) -> int:
    """How many word pieces the task's tokenizer makes of `text`."""
    return int(np.size(task.tokenizer(text)))


def cut_note(task, text: str, verb: str = "read") -> str:
    """A note when `text` is longer than [CLS] text [SEP] fits in the window; "" when it fits."""
    window = task.config.sequence_length
    pieces, room = word_pieces(task, text), window - 2
    if pieces <= room:
        return ""
    return f"Only the first {room} of its {pieces} tokens were {verb}: the rest is past the model's {window}-token window."


def predict(backend, inputs: dict, signature_name: str) -> dict[str, np.ndarray]:
    try:
        return backend.predict(inputs, signature_name=signature_name)
    except Exception as error:
        raise model_error(error) from error


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """Lay out the tab for `task.name` and wire it to `backend`."""
    kind = type(task).__name__
    gr.Markdown(f"**{task.name.replace('_', ' ')}** on BERT `{task.config.backbone}`. {type(task).__doc__.splitlines()[0]}")
    window = task.config.sequence_length
    if kind == "SentimentTask":
        text = gr.Textbox(label="Text", value=first_example(task, "classify", "text"), elem_id=f"{task.name}-text")
        label = gr.Label(label="Sentiment", elem_id=f"{task.name}-result")
        note = gr.Markdown(elem_id=f"{task.name}-note")

        def classify(value: str):
            require(("a text to classify", value))
            out = predict(backend, _texts(value), "classify")
            return dict(zip(("negative", "neutral", "positive"), map(float, out["probabilities"][0]))), cut_note(task, value)

        gr.Button("Classify", variant="primary").click(classify, text, [label, note], api_name=f"{task.name}_classify")
    elif kind == "QuestionAnsweringTask":
        context = gr.Textbox(label="Context", lines=5, value=first_example(task, "answer", "context"), elem_id=f"{task.name}-context")
        question = gr.Textbox(label="Question", value=first_example(task, "answer", "question"), elem_id=f"{task.name}-question")
        answer = gr.HighlightedText(label="Answer in its context", elem_id=f"{task.name}-result")
        note = gr.Markdown(elem_id=f"{task.name}-note")

        def ask(question_text: str, context_text: str):
            require(("a question", question_text), ("a context to find its answer in", context_text))
            out = predict(backend, {"question": np.array([question_text], dtype=object),
                                    "context": np.array([context_text], dtype=object)}, "answer")
            pieces, room = word_pieces(task, question_text), window // 2
            note_text = (f"Only the first {room} of the question's {pieces} tokens were read: a question may fill at "
                         f"most half of the model's {window}-token window (the context is read whole, window by window)."
                         if pieces > room else "")
            start, end = int(out["start"][0]), int(out["end"][0])
            if end <= start:
                return [(context_text, None)], note_text
            return ([(context_text[:start], None), (context_text[start:end], f"answer {out['score'][0]:.2f}"),
                     (context_text[end:], None)], note_text)

        gr.Button("Answer", variant="primary").click(ask, [question, context], [answer, note], api_name=f"{task.name}_answer")
    elif kind == "EntityTask":
        text = gr.Textbox(label="Text", value=first_example(task, "tag", "text"), elem_id=f"{task.name}-text")
        entities = gr.HighlightedText(label="Entities", elem_id=f"{task.name}-result")
        note = gr.Markdown(elem_id=f"{task.name}-note")

        def tag(value: str):
            require(("a text to tag", value))
            out = predict(backend, _texts(value), "tag")
            count = int(out["count"][0])
            spans = [(int(s), int(e), label.decode()) for s, e, label in
                     zip(out["start"][0][:count], out["end"][0][:count], out["label"][0][:count])]
            return ({"text": value, "entities": [{"start": s, "end": e, "entity": label} for s, e, label in spans]},
                    cut_note(task, value, "tagged"))

        gr.Button("Tag", variant="primary").click(tag, text, [entities, note], api_name=f"{task.name}_tag")
    elif kind == "NextSentenceTask":
        first = gr.Textbox(label="Sentence A", value=first_example(task, "next_sentence", "first"), elem_id=f"{task.name}-first")
        second = gr.Textbox(label="Sentence B", value=first_example(task, "next_sentence", "second"), elem_id=f"{task.name}-second")
        verdict = gr.Label(label="Does B follow A?", elem_id=f"{task.name}-result")
        note = gr.Markdown(elem_id=f"{task.name}-note")

        def judge(first_text: str, second_text: str):
            require(("sentence A", first_text), ("sentence B", second_text))
            out = predict(backend, {"first": np.array([first_text], dtype=object),
                                    "second": np.array([second_text], dtype=object)}, "next_sentence")
            probability = float(out["probability_next"][0])
            pieces, room = word_pieces(task, first_text) + word_pieces(task, second_text), window - 3
            note_text = (f"Only {room} of the pair's {pieces} tokens were read: the sentences are cut, longest first, "
                         f"to fit the model's {window}-token window." if pieces > room else "")
            return {"next": probability, "random": 1.0 - probability}, note_text

        gr.Button("Judge", variant="primary").click(judge, [first, second], [verdict, note], api_name=f"{task.name}_next_sentence")
    else:
        text = gr.Textbox(label="Text with [MASK]", value=first_example(task, "fill_mask", "text"), elem_id=f"{task.name}-text")
        table = gr.Dataframe(headers=["mask", "token", "probability"], label="Top tokens", elem_id=f"{task.name}-result")
        note = gr.Markdown(elem_id=f"{task.name}-note")

        def fill(value: str):
            require(("a text with a [MASK]", value))
            masks = value.count("[MASK]")
            if not masks:
                raise gr.Error("Put [MASK] where a word is missing: the model suggests words for each [MASK].")
            out = predict(backend, _texts(value), "fill_mask")
            filled = int(out["mask_count"][0])
            note_text = cut_note(task, value)
            if filled < masks:
                note_text += f" {masks - filled} of the {masks} [MASK] {'is' if masks - filled == 1 else 'are'} past it, not filled."
            return ([[m + 1, token.decode(), round(float(p), 4)] for m in range(filled)
                     for token, p in zip(out["tokens"][0][m], out["probabilities"][0][m])], note_text)

        gr.Button("Fill", variant="primary").click(fill, text, [table, note], api_name=f"{task.name}_fill_mask")
