"""Next-sentence prediction, as in BERT's pre-training: given sentences A and B, is B the
sentence that follows A, or a random sentence from elsewhere?

Pairs come from generated country descriptions (real GeoNames facts, `zoo.bert.squad`), each
a fixed sequence of sentences: capital, currency, continent, population, area, web domain.
Half the pairs are a sentence and the one after it in the same description ("next"), half a
sentence and a random sentence of another country's description ("random"). Train, validation
and test use disjoint countries (`zoo.bert.data`). The head is keras-hub's `BertTextClassifier` with two classes: the
pooled [CLS] output (BERT's pooler) and a dense layer, as in the original NSP head.

    split = generate_pairs(train_size=2000, validation_size=200, test_size=500, seed=0)
    split.train.first[0], split.train.second[0], split.train.labels[0]   # 'The capital of Chile is Santiago.', 'In Chile ...', 1
"""
from __future__ import annotations

import dataclasses
import random

import numpy as np

from zoo.bert.data import country_pools
from zoo.bert.squad import country_descriptions
from zoo.task import Splits

LABELS = ("random", "next")


@dataclasses.dataclass(frozen=True)
class SentencePairs:
    """Sentence pairs and their labels: 1 when `second` follows `first`, 0 when it is random."""

    first: np.ndarray
    second: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, size: int) -> SentencePairs:
        """The first `size` pairs (0 = all)."""
        size = size or len(self)
        return SentencePairs(self.first[:size], self.second[:size], self.labels[:size])


def _pairs(rng: random.Random, descriptions: list[list[str]], size: int) -> SentencePairs:
    rows = []
    for index in range(size):
        story = rng.choice(descriptions)
        position = rng.randrange(len(story) - 1)
        if index % 2:
            rows.append((story[position], story[position + 1], 1))
        else:
            other = rng.choice([d for d in descriptions if d is not story])
            rows.append((story[position], rng.choice(other), 0))
    first, second, labels = zip(*rows)
    return SentencePairs(np.array(first, dtype=object), np.array(second, dtype=object), np.array(labels, dtype=np.int32))


def generate_pairs(train_size: int, validation_size: int, test_size: int, seed: int = 0) -> Splits[SentencePairs]:
    """Balanced "next" / "random" pairs; 80% of the countries for training, the rest split into
    validation and test countries."""
    descriptions = country_descriptions()
    rng = random.Random(seed)
    rng.shuffle(descriptions)
    train_pool, validation_pool, test_pool = country_pools(descriptions)
    train = _pairs(rng, train_pool, train_size)
    test = _pairs(rng, test_pool, test_size)   # drawn before validation: its size changes neither other split
    return Splits(train, _pairs(rng, validation_pool, validation_size), test)
