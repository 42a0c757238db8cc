"""The GPT demo tabs: a chat with the question-answering chatbot, and free text generation,
both streaming the reply a few tokens at a time with sampler controls.

A TF Serving endpoint answers a whole request at once, so the reply is streamed by asking for
`chunk` tokens at a time and sending back what has been generated so far (`answer_prefix` for
the chatbot, the prompt for generation). Works the same against the in-process model or TF
Serving; imports no serving code.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import gradio as gr
import numpy as np

from zoo.gpt2.config import ChatbotConfig
from zoo.gpt2.task import settings

CHUNK_TOKENS = 4


def stream(request: Callable[[str, int], dict[str, np.ndarray]], max_new_tokens: int, chunk: int = CHUNK_TOKENS) -> Iterator[str]:
    """Text so far after each chunk; `request(text_so_far, tokens)` returns an endpoint's outputs.
    Stops at the end token (a chunk shorter than asked for) or after `max_new_tokens`."""
    text, produced = "", 0
    while produced < max_new_tokens:
        wanted = min(chunk, max_new_tokens - produced)
        outputs = request(text, wanted)
        text += outputs["text"][0].decode("utf-8", errors="replace")
        produced += int(outputs["num_tokens"][0])
        yield text
        if int(outputs["num_tokens"][0]) < wanted:
            return


def sampler_controls(config) -> list[gr.components.Component]:
    return [
        gr.Slider(1, 256, value=config.max_new_tokens, step=1, label="max new tokens"),
        gr.Slider(0, 2, value=config.temperature, step=0.05, label="temperature (0: greedy)"),
        gr.Slider(0, 200, value=config.top_k, step=1, label="top-k (0: off)"),
        gr.Slider(0.05, 1, value=config.top_p, step=0.05, label="top-p (1: off)"),
        gr.Number(value=0, precision=0, label="seed"),
    ]


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """The chatbot's chat, or the generation tab for `gpt2_generate`."""
    if isinstance(task.config, ChatbotConfig):
        _chat_tab(task, backend)
    else:
        _generate_tab(task, backend)
    for name in ("answers.md", "samples.md"):
        if (artifacts_dir / name).is_file():
            gr.Markdown(f"From `python -m zoo evaluate {task.name}`:\n\n" + (artifacts_dir / name).read_text())


def _chat_tab(task, backend) -> None:
    def reply(message: str, history: list, max_new_tokens, temperature, top_k, top_p, seed) -> Iterator[str]:
        def request(so_far: str, tokens: int) -> dict[str, np.ndarray]:
            return backend.predict(
                {"question": np.array([message], dtype=object), "answer_prefix": np.array([so_far], dtype=object),
                 **settings(tokens, temperature, top_k, top_p, seed)},
                signature_name="chat",
            )

        try:
            for text in stream(request, int(max_new_tokens)):
                yield text.strip()
        except Exception as error:
            raise gr.Error(f"The model rejected this request: {error}") from error

    gr.Markdown(
        f"**{task.name.replace('_', ' ')}**: `{task.config.base}` fine-tuned on chatterbot-corpus questions and "
        "answers. The base's own chat template is applied inside the served graph."
    )
    gr.ChatInterface(
        reply, additional_inputs=sampler_controls(task.config),
        examples=[["What is a computer?"], ["Who wrote Hamlet?"], ["Do you like music?"]],
        api_name=f"{task.name}_chat",
    )


def _generate_tab(task, backend) -> None:
    def continue_text(prompt: str, max_new_tokens, temperature, top_k, top_p, seed) -> Iterator[str]:
        def request(so_far: str, tokens: int) -> dict[str, np.ndarray]:
            return backend.predict(
                {"prompts": np.array([prompt + so_far], dtype=object), **settings(tokens, temperature, top_k, top_p, seed)},
                signature_name="generate",
            )

        try:
            for text in stream(request, int(max_new_tokens)):
                yield prompt + text
        except Exception as error:
            raise gr.Error(f"The model rejected this request: {error}") from error

    gr.Markdown(f"**{task.name.replace('_', ' ')}**: a small GPT-2 pre-trained on the World English Bible.")
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", value="In the beginning", lines=3)
            controls = sampler_controls(task.config)
            button = gr.Button("Generate", variant="primary")
        output = gr.Textbox(label="Prompt and continuation", lines=12, elem_id=f"{task.name}-output")
    button.click(continue_text, [prompt, *controls], output, api_name=f"{task.name}_generate")
