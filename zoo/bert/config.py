"""The BERT tasks' configs: `BertConfig` holds the fields every BERT task uses; each task's config
adds only its own.

    SentimentConfig(backbone="minilm", sequence_length=64, train_examples=2500)
    SentimentConfig(pooling="cls")                             # pooled [CLS] instead of the masked mean
    QuestionAnsweringConfig(backbone="bert_tiny_en_uncased")   # any keras-hub BERT preset (downloads once)
    EntityConfig(backbone="tiny", data_path="eng.train")       # a small random BERT (tests), a CoNLL file
    SentimentConfig.from_dict({"window_stride": 8})            # ZooError: that field is question answering's
"""
from __future__ import annotations

import dataclasses

from zoo.config import TaskConfig
from zoo.errors import ZooError

POOLINGS = ("mean", "cls")
"""How `bert_sentiment` turns the backbone's outputs into one vector per text (`SentimentConfig.pooling`)."""


@dataclasses.dataclass
class BertConfig(TaskConfig):
    """What every BERT task uses: the backbone, the input length, the size of each split and the
    training defaults. Validation examples are never test examples: they are drawn from the
    training tweets, from entities (countries, places) held out of training and testing, or from
    the part of a data file before its test part."""

    backbone: str = "minilm"          # "minilm" (pretrained all-MiniLM-L6-v2, offline), "tiny" (random) or a keras-hub BERT preset
    tiny_layers: int = 2              # transformer blocks of the "tiny" backbone
    tiny_hidden: int = 64             # hidden size of the "tiny" backbone
    sequence_length: int = 64         # word pieces per model input, [CLS] and [SEP] included
    train_examples: int = 3000        # examples trained on; 0 = all there are (tweets, data files)
    validation_examples: int = 200    # examples `fit` reports validation loss on after each epoch
    test_examples: int = 1000         # held-out examples `evaluate` measures
    epochs: int = 1                   # passes over the training examples
    batch_size: int = 32              # training examples per step
    learning_rate: float = 5e-5       # Adam's step size

    def __post_init__(self) -> None:
        if self.train_examples < 0:
            raise ZooError(f"config field 'train_examples' must be >= 0 (0: all there are), got {self.train_examples}")
        for name in ("validation_examples", "test_examples"):
            if getattr(self, name) < 1:
                raise ZooError(f"config field '{name}' must be at least 1, got {getattr(self, name)}")


@dataclasses.dataclass
class SentimentConfig(BertConfig):
    """`bert_sentiment`: three-class tweet sentiment; the validation tweets are drawn with the
    training ones, from the corpus's training part."""

    validation_examples: int = 500    # tweets watched during training, drawn with (and apart from) the training ones
    layerwise_lr_decay: float = 1.0   # LLRD: each block learns at this times the rate of the one above (1: all at the base rate)
    pooling: str = "mean"             # "mean": masked mean of the last hidden states (how sentence-transformers trained MiniLM); "cls": keras-hub's BertTextClassifier, [CLS] through BERT's pooler

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < self.layerwise_lr_decay <= 1.0:
            raise ZooError(f"config field 'layerwise_lr_decay' must be in (0, 1], got {self.layerwise_lr_decay}")
        if self.pooling not in POOLINGS:
            raise ZooError(f"config field 'pooling' must be one of {', '.join(map(repr, POOLINGS))}, got {self.pooling!r}")


@dataclasses.dataclass
class QuestionAnsweringConfig(BertConfig):
    """`bert_qa`: extractive question answering over a sliding window of the context."""

    data_path: str = ""               # a SQuAD v1.1 JSON file to use instead of the generated questions
    window_stride: int = 32           # word pieces between the starts of overlapping context windows
    max_answer_tokens: int = 16       # the longest answer decoded, in word pieces


@dataclasses.dataclass
class EntityConfig(BertConfig):
    """`bert_ner`: named entities (PER/LOC/ORG) tagged per word piece."""

    data_path: str = ""               # a CoNLL file (token first, tag last per line) to use instead of the generated sentences


@dataclasses.dataclass
class MaskedLMConfig(BertConfig):
    """`bert_masked_lm`: fill-mask, further pre-trained on tweets with 80/10/10 masking."""

    validation_examples: int = 500   # tweets watched during training, drawn with (and apart from) the training ones
    top_k: int = 5                    # tokens `fill_mask` returns for each [MASK]
    trainable_layers: int = -1        # top transformer blocks trained with the MLM head (-1: all, embeddings too; 0: the head alone)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.trainable_layers < -1:
            raise ZooError(f"config field 'trainable_layers' must be -1 (all) or more, got {self.trainable_layers}")


@dataclasses.dataclass
class NextSentenceConfig(BertConfig):
    """`bert_next_sentence`: does sentence B follow sentence A? No fields beyond `BertConfig`'s."""
