"""The GPT demo tabs: a chat with the question-answering chatbot, and free text generation,
both streaming the reply a few tokens at a time with sampler controls.

A TF Serving endpoint answers a whole request at once, so the reply is streamed by asking for
`chunk` tokens at a time and sending back what has been generated so far (`answer_prefix` for
the chatbot, the prompt for generation). Works the same against the in-process model or TF
Serving; imports no serving code.

A refused request reads as a sentence: the message of the graph's assert ("a prompt is too long:
it must be under the 256-token context window ..."), not TensorFlow's text. The chat answers a
refusal in the conversation instead of raising: `gr.ChatInterface` disables its textbox while
a reply streams and re-enables it in a follow-up event that Gradio's frontend skips when the
reply fails, so a raised error would leave the chat unusable until a reload.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import gradio as gr
import numpy as np

from demos.errors import model_error, reason, sentence
from demos.examples import first_example
from zoo.gpt2.config import ChatbotConfig
from zoo.gpt2.task import settings

CHUNK_TOKENS = 4
SEED_RANGE = (-2**63, 2**63 - 1)
"""The endpoints take the seed as an int64."""


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


def sampler_controls(config, name: str) -> list[gr.components.Component]:
    """Max new tokens, temperature, top-k, top-p and seed, starting at `config`'s defaults;
    element ids start with the task's `name`."""
    return [
        gr.Slider(1, 256, value=config.max_new_tokens, step=1, label="max new tokens", elem_id=f"{name}-max-new-tokens"),
        gr.Slider(0, 2, value=config.temperature, step=0.05, label="temperature (0: greedy)", elem_id=f"{name}-temperature"),
        gr.Slider(0, 200, value=config.top_k, step=1, label="top-k (0: off)", elem_id=f"{name}-top-k"),
        gr.Slider(0.05, 1, value=config.top_p, step=0.05, label="top-p (1: off)", elem_id=f"{name}-top-p"),
        gr.Number(value=0, precision=0, label="seed", elem_id=f"{name}-seed"),
    ]


def checked_seed(seed: float | None) -> int:
    """The seed control's value as the endpoints take it; ValueError when it does not fit."""
    if seed is None or not SEED_RANGE[0] <= int(seed) <= SEED_RANGE[1]:
        raise ValueError(f"a seed must be a whole number from {SEED_RANGE[0]:,} to {SEED_RANGE[1]:,}")
    return int(seed)


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """The chatbot's chat, or the generation tab for `gpt2_generate`."""
    if isinstance(task.config, ChatbotConfig):
        _chat_tab(task, backend)
    else:
        _generate_tab(task, backend)
    for name in ("answers.md", "samples.md"):
        if (artifacts_dir / name).is_file():
            gr.Markdown(f"From `python -m zoo evaluate {task.name}`:\n\n" + (artifacts_dir / name).read_text(),
                        elem_id=f"{task.name}-{Path(name).stem}")


def refusal(text: str, title: str = "Not answered") -> gr.ChatMessage:
    """The assistant's turn when the model could not answer: the reason, as a sentence."""
    return gr.ChatMessage(content=sentence(text), metadata={"title": title})


def _chat_tab(task, backend) -> None:
    def reply(message: str, history: list, max_new_tokens, temperature, top_k, top_p, seed) -> Iterator:
        if not message.strip():
            yield refusal("type a question first")
            return
        answer = ""
        try:
            seed_value = checked_seed(seed)

            def request(so_far: str, tokens: int) -> dict[str, np.ndarray]:
                return backend.predict(
                    {"question": np.array([message], dtype=object), "answer_prefix": np.array([so_far], dtype=object),
                     **settings(tokens, temperature, top_k, top_p, seed_value)},
                    signature_name="chat",
                )

            for text in stream(request, int(max_new_tokens)):
                answer = text.strip()
                yield answer
        except Exception as error:
            yield [answer, refusal(reason(error), "Stopped")] if answer else refusal(reason(error))

    def needs_text(message: str):
        return gr.validate(bool(message.strip()), "Type a question first.")

    gr.Markdown(
        f"**{task.name.replace('_', ' ')}**: `{task.config.base}` fine-tuned on chatterbot-corpus questions and "
        "answers. The base's own chat template is applied inside the served graph."
    )
    gr.ChatInterface(
        reply, additional_inputs=sampler_controls(task.config, task.name), validator=needs_text,
        chatbot=gr.Chatbot(label="Chatbot", scale=1, elem_id=f"{task.name}-chat"),
        textbox=gr.Textbox(show_label=False, placeholder="Type a question...", scale=7, elem_id=f"{task.name}-message"),
        examples=[[question] for question in task.examples()["chat"]["question"]],
        api_name=f"{task.name}_chat",
    )


def _generate_tab(task, backend) -> None:
    def continue_text(prompt: str, max_new_tokens, temperature, top_k, top_p, seed) -> Iterator[tuple[str, str]]:
        try:
            seed_value = checked_seed(seed)
        except ValueError as error:
            raise gr.Error(sentence(str(error))) from error
        note = "" if prompt.strip() else "No prompt: the model began a text of its own."

        def request(so_far: str, tokens: int) -> dict[str, np.ndarray]:
            return backend.predict({"prompts": np.array([prompt + so_far], dtype=object),
                                    **settings(tokens, temperature, top_k, top_p, seed_value)}, signature_name="generate")

        text = ""
        try:
            for text in stream(request, int(max_new_tokens)):
                yield prompt + text, note
        except Exception as error:
            if not text:
                raise model_error(error) from error
            yield prompt + text, f"Stopped: {sentence(reason(error))}"

    gr.Markdown(f"**{task.name.replace('_', ' ')}**: a small GPT-2 pre-trained on the World English Bible.")
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", value=first_example(task, "generate", "prompts"), lines=3,
                                elem_id=f"{task.name}-prompt")
            controls = sampler_controls(task.config, task.name)
            button = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Prompt and continuation", lines=12, elem_id=f"{task.name}-output")
            note = gr.Markdown(elem_id=f"{task.name}-note")
    button.click(continue_text, [prompt, *controls], [output, note], api_name=f"{task.name}_generate")
