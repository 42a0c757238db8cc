"""Tiny translation configs and inputs shared by the translation tests."""
from typing import NamedTuple

import numpy as np

import zoo

TINY = {"corpus": "numbers", "phrasebooks": [], "units": 32, "embedding_dim": 16, "intermediate_dim": 32, "num_heads": 2,
        "validation_size": 100, "test_size": 200, "vocabulary_size": 400, "source_length": 16, "target_length": 16,
        "max_output_tokens": 15, "batch_size": 32, "eval_sentences": 200, "beam_width": 1,
        "dropout": 0.0, "learning_rate": 5e-3, "epochs": 1}

EDGE = np.array(["", "trescientos " * 200, "The quick brown fox jumps over the lazy dog.", "こんにちは世界",
                 b"caf\xc3\xa9 \xff\xfe roto", "   ", "veintitrés"], dtype=object)
"""Empty, very long, English, Japanese, invalid UTF-8, blank, and one ordinary input."""


class TinyRun(NamedTuple):
    task: object
    model: object
    endpoints: list   # traced once and shared: `translate`, `translate_text`


def tiny_task(name: str = "translation_attention", **overrides):
    """`name` with the tiny config on the number-words-and-names pairs."""
    return zoo.get_task(name, **{**TINY, **overrides})
