"""Tiny GPT-2 runs shared by the GPT-2 tests: a 2-layer, hidden-32 model pre-trained for a few
steps on the World English Bible, and a chatbot fine-tuned from it, trained once per session."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import zoo
from gpt2_helpers import TINY, TINY_CHATBOT



@dataclasses.dataclass(frozen=True)
class TinyRuns:
    workdir: Path
    base_task: object
    base: object
    chatbot_task: object
    chatbot: object




@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> TinyRuns:
    from zoo.training import run_directory, train

    workdir = tmp_path_factory.mktemp("gpt2_models")
    base_task = zoo.get_task("gpt2_generate", **TINY)
    base = train(base_task, workdir, verbose=0)
    chatbot_task = zoo.get_task("chatbot", TINY_CHATBOT,
                                dependencies={"gpt2_generate": run_directory(workdir, "gpt2_generate").model})
    chatbot = train(chatbot_task, workdir, verbose=0)
    return TinyRuns(workdir, base_task, base, chatbot_task, chatbot)


@pytest.fixture(scope="session")
def demo_backends(tiny_runs) -> dict:
    """task name -> (task, an in-process backend on its tiny model), traced once and shared by the demo tests."""
    from demos.backends import InProcessBackend

    return {task.name: (task, InProcessBackend(task.endpoints(model)))
            for task, model in ((tiny_runs.base_task, tiny_runs.base), (tiny_runs.chatbot_task, tiny_runs.chatbot))}


@pytest.fixture(scope="session")
def tiny_llama_preset(tmp_path_factory) -> Path:
    """A keras-hub preset folder converted from a tiny llama GGUF with ChatML special tokens."""
    from tiny_gguf import hf_weights, write_gguf

    from zoo.gpt2.pretrained import convert_gguf

    root = tmp_path_factory.mktemp("tiny_llama")
    return convert_gguf(write_gguf(root / "tiny.gguf", hf_weights()), root / "preset")


@pytest.fixture(scope="session")
def tiny_lora_chatbot(tiny_llama_preset, tmp_path_factory):
    """A chatbot LoRA-fine-tuned for a few steps on the tiny llama: (task, model)."""
    from zoo.training import train

    task = zoo.get_task("chatbot", base=str(tiny_llama_preset), system_prompt="Be brief.", lora_rank=2,
                        sequence_length=48, context_length=96, batch_size=8, steps_per_epoch=3, epochs=1,
                        learning_rate=5e-2, max_new_tokens=6)
    return task, train(task, tmp_path_factory.mktemp("lora_models"), verbose=0)
