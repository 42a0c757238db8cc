"""The config objects of the GPT-2 tasks.

    GPT2Config(num_layers=4, hidden_dim=128, sequence_length=128)   # pre-training from scratch
    ChatbotConfig(base="gpt2_generate")                             # fine-tuning the zoo's GPT-2
    ChatbotConfig(base="gpt2_base_en")                              # a keras-hub preset (downloads)
"""
from __future__ import annotations

import dataclasses

from zoo.config import TaskConfig


@dataclasses.dataclass
class SamplingDefaults:
    """Sampler settings of the endpoints' examples and the demo's initial controls;
    clients choose their own per request. `temperature` 0 is greedy decoding."""

    max_new_tokens: int = 32
    temperature: float = 0.8
    top_k: int = 40
    top_p: float = 0.95


@dataclasses.dataclass
class GPT2Config(TaskConfig, SamplingDefaults):
    """A GPT-2 trained from scratch on the World English Bible.

    The architecture fields are `GPT2Backbone`'s (GPT-2 base: 12 layers, 12 heads, hidden 768,
    intermediate 3072, 1,024 positions); `sequence_length` is the training window and the
    generation context. `pretrain_chars` is how much text is read (books in canonical order),
    of which `held_out` is kept for validation and as much again for test perplexity.
    `steps_per_epoch` bounds an epoch (0: one pass over the training text); the default, 100
    steps of 16 x 128 tokens, takes about three minutes on two CPU cores.
    """

    num_layers: int = 2
    num_heads: int = 4
    hidden_dim: int = 128
    intermediate_dim: int = 512
    sequence_length: int = 128
    dropout: float = 0.0
    pretrain_chars: int = 1_000_000
    held_out: float = 0.02
    steps_per_epoch: int = 100
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-3


@dataclasses.dataclass
class ChatbotConfig(TaskConfig, SamplingDefaults):
    """Fine-tuning on chatterbot-corpus Q/A pairs with the loss on answer tokens only.

    `base` names the starting weights: a zoo task (its finished run under `base_workdir`, by
    default the chatbot's own workdir, is loaded, or trained there first with its defaults) or a keras-hub preset such as
    `gpt2_base_en` (downloaded). `sequence_length` is the fine-tuning window (pairs are cut to
    it) and the generation context; it must not exceed the base's positions.
    `steps_per_epoch` bounds an epoch (0: one pass over the training pairs).
    """

    base: str = "gpt2_generate"
    base_workdir: str = ""
    sequence_length: int = 64
    steps_per_epoch: int = 0
    epochs: int = 2
    batch_size: int = 16
    learning_rate: float = 1e-3
    max_new_tokens: int = 40
    temperature: float = 0.0
