"""Next-sentence prediction, as in BERT's pre-training: given sentences A and B, is B the
sentence that follows A, or a random sentence from elsewhere?

Pairs come from generated country descriptions (real GeoNames facts, `zoo.bert.squad`), each
a fixed sequence of sentences: capital, currency, continent, population, area, web domain.
Half the pairs are a sentence and the one after it in the same description ("next"), half a
sentence and a random sentence of another country's description ("random"). Train and test
use disjoint countries. The head is keras-hub's `BertTextClassifier` with two classes: the
pooled [CLS] output (BERT's pooler) and a dense layer, as in the original NSP head.

    train, test = generate_pairs(train_size=2000, test_size=500, seed=0)
    train.first[0], train.second[0], train.labels[0]   # 'The capital of Chile is Santiago.', 'In Chile ...', 1
"""
from __future__ import annotations

import dataclasses
import random

import numpy as np

from zoo.bert.squad import country_descriptions

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


def generate_pairs(train_size: int, test_size: int, seed: int = 0) -> tuple[SentencePairs, SentencePairs]:
    """Balanced "next" / "random" pairs; 80% of the countries for training, 20% for testing."""
    descriptions = country_descriptions()
    rng = random.Random(seed)
    rng.shuffle(descriptions)
    cut = int(0.8 * len(descriptions))
    return _pairs(rng, descriptions[:cut], train_size), _pairs(rng, descriptions[cut:], test_size)
