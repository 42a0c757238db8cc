"""Tiny random BERT tasks on the real data (fast), shared per session."""
from __future__ import annotations

import pytest

import zoo

TINY = {"backbone": "tiny", "tiny_layers": 2, "tiny_hidden": 64, "epochs": 1, "test_examples": 200}
DEMO = {"sequence_length": 32, "train_examples": 20, "validation_examples": 4, "test_examples": 4}
"""The demo tests' tasks: a 32-piece window ([CLS], 30 pieces, [SEP]) and a few examples
(question answering also slides its window 8 pieces at a time)."""
DEMO_TASKS = ("bert_sentiment", "bert_qa", "bert_ner", "bert_masked_lm", "bert_next_sentence")


@pytest.fixture(scope="session")
def tiny_task():
    """`tiny_task(name, **overrides)`: a registered BERT task on a tiny random backbone."""
    return lambda name, **overrides: zoo.get_task(name, **{**TINY, **overrides})


@pytest.fixture(scope="session")
def demo_endpoints(tiny_task) -> dict[str, tuple]:
    """name -> (task, its endpoint on an untrained tiny BERT) for each tab, traced once and shared
    by the demo tests."""
    tasks = [tiny_task(name, **DEMO, **({"window_stride": 8} if name == "bert_qa" else {})) for name in DEMO_TASKS]
    return {task.name: (task, task.endpoints(task.build_model())[0]) for task in tasks}


@pytest.fixture(scope="session")
def tokenizer():
    from zoo.bert.backbone import load_tokenizer

    return load_tokenizer("minilm")
