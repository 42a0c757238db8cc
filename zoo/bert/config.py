"""The one config object of the BERT tasks.

    BertConfig(backbone="minilm", sequence_length=64, train_examples=3000)
    BertConfig(backbone="bert_tiny_en_uncased")   # any keras-hub BERT preset (downloads once)
    BertConfig(backbone="tiny")                   # small random BERT on MiniLM's vocabulary (tests)
"""
from __future__ import annotations

import dataclasses

from zoo.config import TaskConfig


@dataclasses.dataclass
class BertConfig(TaskConfig):
    """`backbone`: "minilm" (pretrained, offline), "tiny" (random, `tiny_*` sized) or a preset name.

    `train_examples` / `test_examples` cap the data (0 = all); `data_path` reads a SQuAD v1.1
    JSON (QA) or CoNLL file (NER) instead of the generated data. `window_stride` is the
    question-answering step between overlapping context windows, in word pieces.
    """

    backbone: str = "minilm"
    sequence_length: int = 64
    train_examples: int = 3000
    test_examples: int = 1000
    data_path: str = ""
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 5e-5
    tiny_layers: int = 2
    tiny_hidden: int = 64
    window_stride: int = 32
    max_answer_tokens: int = 16
    top_k: int = 5
