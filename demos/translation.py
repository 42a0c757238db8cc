"""The translation demo tab: Spanish text in, English out, with the attention heatmap.

Calls the `translate` endpoint through the backend it is given, the in-process model or a TF
Serving endpoint alike (the heatmap is drawn from the endpoint's `attention`,
`source_tokens` and `target_tokens` outputs); imports no serving code.

An empty text is refused before the model is called. Beside the translation, a note says when
the text did not fit in the model's `source_length` tokens (the model reads the first
`source_length - 1` and its end token) and how many tokens its Spanish vocabulary lacks (read
as [UNK]), counted with the task's own tokenizer.
"""
from __future__ import annotations

import functools
from pathlib import Path

import gradio as gr
import numpy as np

from demos.errors import model_error
from demos.examples import first_example
from zoo.translation.attention_map import attention_image
from zoo.translation.task import decoding_settings
from zoo.translation.tokenizer import UNK, make_tokenizer

def reading_note(source_tokenizer, text: str, source_length: int) -> str:
    """What the model did not read of `text`, or could not: tokens past its window, tokens
    outside its vocabulary; "" when it read all of them."""
    ids = np.asarray(source_tokenizer(text))
    notes, room = [], source_length - 1
    if ids.size > room:
        notes.append(f"Only the first {room} of its {ids.size} tokens were read: the rest is past the model's "
                     f"{source_length}-token window.")
    unknown = int((ids == UNK).sum())
    if unknown:
        notes.append(f"{unknown} of its {ids.size} tokens {'is' if unknown == 1 else 'are'} not in the model's Spanish "
                     "vocabulary: it reads them as [UNK].")
    return " ".join(notes)


def build_tab(task, backend, artifacts_dir: Path) -> None:
    c = task.config

    @functools.cache
    def source_tokenizer():
        return make_tokenizer(task.vocabularies[0], lowercase=True)

    def translate(text: str, beam_width: float, max_length: float):
        if not text.strip():
            raise gr.Error("Type a Spanish text to translate first.")
        try:
            outputs = backend.predict(
                {"text": np.array([text], dtype=object), **decoding_settings(int(beam_width), int(max_length))},
                signature_name="translate",
            )
        except Exception as error:
            raise model_error(error) from error
        translation = outputs["translation"][0].decode("utf-8", errors="replace")
        has_map = bool(np.asarray(outputs["attention"][0]).any())
        return (translation, attention_image(outputs, 0, title=text) if has_map else None,
                reading_note(source_tokenizer(), text, c.source_length))

    gr.Markdown(f"**{task.name.replace('_', ' ')}**: Spanish -> English, {task.describe()}, trained on "
                f"{'Reina-Valera 1909 / World English Bible verse pairs' if c.corpus == 'bible' else c.corpus + ' pairs'}"
                f"{' and phrasebooks (' + ', '.join(c.phrasebooks) + ')' if c.phrasebooks else ''}. "
                "The heatmap shows which Spanish tokens each English token attended to: the attention layer of "
                "an RNN with attention, the last decoder layer's cross-attention (mean over heads) of a Transformer.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Spanish", value=first_example(task, "translate", "text"), lines=3, elem_id=f"{task.name}-text")
            beam = gr.Slider(1, 16, value=c.beam_width, step=1, label="beam width (1: greedy)")
            length = gr.Slider(1, c.target_length - 1, value=c.max_output_tokens, step=1, label="max output tokens")
            button = gr.Button("Translate", variant="primary")
            gr.Examples([[e] for e in task.examples()["translate"]["text"]], [text])
        with gr.Column():
            output = gr.Textbox(label="English", lines=3, elem_id=f"{task.name}-output")
            note = gr.Markdown(elem_id=f"{task.name}-note")
            heatmap = gr.Image(label="attention", type="numpy")
    button.click(translate, [text, beam, length], [output, heatmap, note], api_name=f"{task.name}_translate")
    for name in ("comparison.md", "samples.md"):
        if (artifacts_dir / name).is_file():
            gr.Markdown(f"From `python -m zoo evaluate {task.name}`:\n\n" + (artifacts_dir / name).read_text())
