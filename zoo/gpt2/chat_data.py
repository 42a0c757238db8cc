"""Question/answer pairs for the chatbot: `chatterbot-corpus`'s English conversations.

Each conversation's first line is the question and its second the answer: 2,026 pairs over 21
topics (trivia, computers, tech support, greetings, ...). `chat_template` turns a pair into the
base model's own turns.

    pairs = load_pairs()
    split = split_pairs(pairs, seed=0)          # held out by question, so no question leaks
    split.test[0].question, split.test[0].answer
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
from pathlib import Path

import numpy as np
import yaml

from zoo.errors import ZooError
from zoo.task import Splits


@dataclasses.dataclass(frozen=True)
class QAPair:
    question: str
    answer: str
    topic: str


def corpus_dir() -> Path:
    spec = importlib.util.find_spec("chatterbot_corpus")
    if spec is None or not spec.submodule_search_locations:
        raise ZooError("the chatbot needs the data package chatterbot-corpus: pip install --no-deps -r requirements-data.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "english"


@functools.cache
def load_pairs() -> tuple[QAPair, ...]:
    """Every (first line, second line) pair of the English conversations, in file order."""
    pairs = []
    for path in sorted(corpus_dir().glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text())["conversations"]:
            if len(conversation) >= 2:
                pairs.append(QAPair(str(conversation[0]).strip(), str(conversation[1]).strip(), path.stem))
    return tuple(pairs)


def split_pairs(pairs: tuple[QAPair, ...], seed: int = 0, held_out: float = 0.1) -> Splits[list[QAPair]]:
    """A deterministic split by distinct question: `held_out` of them each for validation and test."""
    questions = sorted({pair.question for pair in pairs})
    order = np.random.default_rng(seed).permutation(len(questions))
    n_held = max(1, int(held_out * len(questions)))
    part = {questions[i]: 0 for i in order[2 * n_held:]}
    part.update({questions[i]: 1 for i in order[:n_held]})
    part.update({questions[i]: 2 for i in order[n_held:2 * n_held]})
    groups: list[list[QAPair]] = [[], [], []]
    for pair in pairs:
        groups[part[pair.question]].append(pair)
    return Splits(*groups)
