"""Chat templates: how a question becomes the prompt a base model continues with its answer.

The template follows the base's own vocabulary: a tokenizer with ChatML's `<|im_start|>` (SmolLM2
and other instruction-tuned models) gets ChatML turns with a system turn first, as its own chat
template writes them; any other (GPT-2, trained from scratch here) gets plain text turns.

    template = chat_template_for(tokenizer, system_prompt="You are a helpful assistant.")
    template.prompt("What is a computer?")
    # '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n<|im_start|>user\\n'
    # 'What is a computer?<|im_end|>\\n<|im_start|>assistant\\n'
    template.answer("A machine.")     # what training appends: the tokenizer's end token closes it

The same strings are joined inside the exported graph (`prompt_in_graph`), so a served model sees
exactly what it was fine-tuned on.
"""
from __future__ import annotations

import dataclasses

import tensorflow as tf

CHATML_START = "<|im_start|>"
CHATML_END = "<|im_end|>"


@dataclasses.dataclass(frozen=True)
class ChatTemplate:
    """A one-question chat turn: `prefix + question + suffix`, then `answer_lead + answer`."""

    name: str
    prefix: str
    suffix: str
    answer_lead: str
    add_start_token: bool  # whether the tokenizer's start token goes before the prompt

    def prompt(self, question: str) -> str:
        return f"{self.prefix}{question.strip()}{self.suffix}"

    def answer(self, answer: str) -> str:
        return f"{self.answer_lead}{answer.strip()}"

    def prompt_in_graph(self, question: tf.Tensor, answer_prefix: tf.Tensor) -> tf.Tensor:
        """The prompts of a batch of questions, each followed by the answer so far."""
        return tf.strings.join([self.prefix, tf.strings.strip(question), self.suffix, answer_prefix])


def chatml(system_prompt: str) -> ChatTemplate:
    system = f"{CHATML_START}system\n{system_prompt}{CHATML_END}\n" if system_prompt else ""
    return ChatTemplate("chatml", f"{system}{CHATML_START}user\n", f"{CHATML_END}\n{CHATML_START}assistant\n", "",
                        add_start_token=False)


QUESTION_ANSWER = ChatTemplate("question_answer", "Question: ", "\nAnswer:", " ", add_start_token=True)


def chat_template_for(tokenizer, system_prompt: str = "") -> ChatTemplate:
    """ChatML when the tokenizer knows `<|im_start|>`, else `Question: ...\\nAnswer: ...`."""
    if CHATML_START in tokenizer.get_vocabulary():
        return chatml(system_prompt)
    return QUESTION_ANSWER
