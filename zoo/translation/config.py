"""The config object of the translation tasks.

    TranslationConfig()                                             # GRU encoder-decoder on the Bible
    TranslationConfig(attention="additive", bidirectional=True)      # with Bahdanau attention
    TranslationConfig(architecture="transformer", num_layers=2)      # keras-hub Transformer
    TranslationConfig(corpus="file", pairs_path="spa-eng.txt")       # your own pairs (and the phrasebooks)
    TranslationConfig(phrasebooks=())                                # Bible verses only, as before the phrasebooks
"""
from __future__ import annotations

import dataclasses
from typing import Literal

from zoo.config import TaskConfig
from zoo.errors import ZooError

@dataclasses.dataclass
class TranslationConfig(TaskConfig):
    """Spanish -> English translation.

    Data: `corpus` 'bible' (Reina-Valera 1909 / World English Bible verse pairs), 'numbers'
    (num2words and CLDR names, small and deterministic) or 'file' (`pairs_path`, lines
    english<TAB>spanish[<TAB>attribution]); `phrasebooks` add short everyday Spanish that packages
    ship to the training pairs only ('django' interface strings, the 'dictionary' FreeDict's
    headwords, 'calendar' month and weekday names, 'numbers' 0..100; none of them a validation,
    test or everyday sentence); pairs longer than `max_words` words or with
    character lengths more than `max_length_ratio` apart are dropped; `validation_size` and
    `test_size` pairs are held out by seed. Subword vocabularies of up to `vocabulary_size`
    pieces are learned from the training split; sentences are cut to `source_length` /
    `target_length` tokens (with the end token).

    Model: `architecture` 'rnn' (`cell` GRU/LSTM, `num_layers`, `units`, `embedding_dim`,
    `bidirectional` encoder, `attention` 'none' / 'additive' (Bahdanau) / 'dot' (Luong)) or
    'transformer' (`num_layers` encoder and decoder blocks of width `units`, `num_heads`,
    `intermediate_dim`).

    Training: `steps_per_epoch` batches an epoch (0: one pass over the training pairs).
    Evaluation decodes `eval_sentences` test pairs with `beam_width` (1: greedy) and at most
    `max_output_tokens` tokens, picking the best beam by log-probability / length **
    `length_penalty` (1: mean per token, 0: summed, which favours short translations).
    """

    architecture: Literal["rnn", "transformer"] = "rnn"
    cell: Literal["gru", "lstm"] = "gru"
    attention: Literal["none", "additive", "dot"] = "none"
    bidirectional: bool = False
    num_layers: int = 1
    units: int = 256
    embedding_dim: int = 128
    num_heads: int = 4
    intermediate_dim: int = 512
    dropout: float = 0.1
    corpus: Literal["bible", "numbers", "file"] = "bible"
    pairs_path: str = ""
    phrasebooks: tuple[Literal["django", "dictionary", "calendar", "numbers"], ...] = ("django", "dictionary", "calendar", "numbers")
    max_words: int = 24
    max_length_ratio: float = 2.0
    validation_size: int = 500
    test_size: int = 1000
    vocabulary_size: int = 4000
    source_length: int = 40
    target_length: int = 40
    epochs: int = 2
    steps_per_epoch: int = 0
    batch_size: int = 64
    learning_rate: float = 2e-3
    eval_sentences: int = 500
    beam_width: int = 4
    length_penalty: float = 1.0
    max_output_tokens: int = 39

    def __post_init__(self) -> None:
        positive = ("num_layers", "units", "embedding_dim", "num_heads", "intermediate_dim", "max_words",
                    "validation_size", "test_size", "source_length", "target_length", "epochs", "batch_size",
                    "eval_sentences", "beam_width", "max_output_tokens")
        for name in positive:
            if getattr(self, name) < 1:
                raise ZooError(f"config field '{name}' must be at least 1, got {getattr(self, name)}")
        if self.steps_per_epoch < 0:
            raise ZooError(f"config field 'steps_per_epoch' must be >= 0 (0: one pass), got {self.steps_per_epoch}")
        if self.length_penalty < 0:
            raise ZooError(f"config field 'length_penalty' must be >= 0 (0: summed log-probability), "
                           f"got {self.length_penalty}")
        if not 0.0 <= self.dropout < 1.0:
            raise ZooError(f"config field 'dropout' must be in [0, 1), got {self.dropout}")
        if self.max_length_ratio < 1.0:
            raise ZooError(f"config field 'max_length_ratio' must be >= 1, got {self.max_length_ratio}")
        if self.source_length < 2 or self.target_length < 2:
            raise ZooError("source_length and target_length must be at least 2 (a token and the end token)")
        if self.max_output_tokens > self.target_length - 1:
            raise ZooError(f"max_output_tokens ({self.max_output_tokens}) must be below target_length ({self.target_length})")
        if self.architecture == "transformer" and self.units % self.num_heads:
            raise ZooError(f"units ({self.units}) must be divisible by num_heads ({self.num_heads}) for the transformer")
        if self.architecture == "transformer" and (self.attention != "none" or self.bidirectional or self.cell != "gru"):
            raise ZooError("attention, bidirectional and cell are RNN settings; leave them at their defaults "
                           "('none', false, 'gru') for architecture 'transformer'")
        if self.corpus == "file" and not self.pairs_path:
            raise ZooError("corpus 'file' needs pairs_path: a tab-separated file english<TAB>spanish[<TAB>attribution]")
        if self.corpus != "file" and self.pairs_path:
            raise ZooError(f"pairs_path is only read with corpus 'file' (corpus is {self.corpus!r})")
