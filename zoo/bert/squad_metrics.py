"""SQuAD v1.1's answer metrics (exact match and token F1 after its normalization), and the
reading-free baseline `bert_qa` is compared with.

    squad_scores(["Lima", "the city of Lima"], [("Lima",), ("Lima",)])   # {"exact_match": 0.5, "f1": 0.75}
    overlap_baseline(["What is the capital of Peru?"], ["Peru is big. The capital of Peru is Lima."])   # ['The Lima.']
"""
from __future__ import annotations

import collections
import re
import string

import numpy as np

PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalization: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in PUNCTUATION)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def answer_f1(prediction: str, gold: str) -> float:
    """F1 of the normalized words the prediction shares with the gold answer."""
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((collections.Counter(predicted) & collections.Counter(expected)).values())
    if not predicted or not expected:
        return float(predicted == expected)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], answers: list[tuple[str, ...]]) -> dict[str, float]:
    """Exact match and token F1, each the best over an example's gold answers, averaged."""
    em = [max(normalize_answer(p) == normalize_answer(g) for g in gold) for p, gold in zip(predictions, answers)]
    f1 = [max(answer_f1(p, g) for g in gold) for p, gold in zip(predictions, answers)]
    return {"exact_match": float(np.mean(em)), "f1": float(np.mean(f1))}


def overlap_baseline(questions, contexts) -> list[str]:
    """The sentence sharing most words with the question, minus those words: a reading-free baseline."""
    answers = []
    for question, context in zip(questions, contexts):
        asked = set(normalize_answer(question).split())
        sentences = re.split(r"(?<=[.!?])\s+", context)
        best = max(sentences, key=lambda s: len(asked & set(normalize_answer(s).split())))
        answers.append(" ".join(word for word in best.split() if normalize_answer(word) not in asked))
    return answers
