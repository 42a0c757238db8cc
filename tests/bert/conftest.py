"""Tiny random BERT tasks on the real data (fast), shared per session."""
from __future__ import annotations

import pytest

import zoo

TINY = {"backbone": "tiny", "tiny_layers": 2, "tiny_hidden": 64, "epochs": 1, "test_examples": 200}


@pytest.fixture(scope="session")
def tiny_task():
    """`tiny_task(name, **overrides)`: a registered BERT task on a tiny random backbone."""
    return lambda name, **overrides: zoo.get_task(name, **{**TINY, **overrides})


@pytest.fixture(scope="session")
def tokenizer():
    from zoo.bert.backbone import load_tokenizer

    return load_tokenizer("minilm")
