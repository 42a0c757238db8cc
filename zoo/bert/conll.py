"""Named-entity data as texts with character spans (PER, LOC, ORG): generated from real names
and places, or read from a CoNLL file.

Generated sentences fill templates (news, sports, studies, public bodies, people, travel, and
sentences with no entity) with the names of `zoo.bert.names`: people from Faker's locales, places
from GeoNames, organizations from real company and bank lists, Faker's companies, brands, clubs,
universities and agencies. Slots say which kind of name a template takes ({COMPANY}, {CLUB},
{SCHOOL}, {AGENCY}, {ORG} for any organization; {PER}, {FIRST}, {LAST}; {LOC}) and the label is
the slot's type, so a city name in a {CLUB} slot is an organization and a surname in a {COMPANY}
slot a company. Each split writes about its own places, organizations and brand words and draws
its people with its own seed (`zoo.bert.names.entity_pools`), so held-out entities are mostly
unseen.

    split = generate_ner(train_size=2000, validation_size=200, test_size=500, seed=0)
    split.train.texts[0], split.train.spans[0]   # 'Anna Weber moved to Lyon last year.', ((0, 10, 'PER'), (20, 24, 'LOC'))
    read_conll("eng.testa")             # CoNLL-2003 style: token first, BIO tag last per line
"""
from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

from zoo.bert.names import EntityPool, NameWriter, entity_pools
from zoo.errors import ZooError
from zoo.task import Splits

TYPES = ("PER", "LOC", "ORG")
LABELS = ("O", *(f"{prefix}-{kind}" for kind in TYPES for prefix in ("B", "I")))
SLOTS = {"PER": "PER", "FIRST": "PER", "LAST": "PER", "LOC": "LOC", "ORG": "ORG",
         "COMPANY": "ORG", "CLUB": "ORG", "SCHOOL": "ORG", "AGENCY": "ORG"}
"""Template slot -> the entity type of the name it takes."""
TEMPLATES = (
    # business
    "{PER} works for {COMPANY} in {LOC}.",
    "{COMPANY} opened a new factory near {LOC}.",
    "Shares of {COMPANY} rose after the deal with {COMPANY}.",
    "{PER} said {COMPANY} will hire 200 people.",
    "A spokesperson for {ORG} declined to comment.",
    "{COMPANY} reported a loss of 40 million euros for the first quarter.",
    "{COMPANY} wants to buy {COMPANY} for 3 billion dollars.",
    "{PER}, chief executive of {COMPANY}, will step down in March.",
    "{COMPANY} named {PER} as its new finance director.",
    "She has worked at {COMPANY} since 2015.",
    "{COMPANY} has its headquarters in {LOC}.",
    "{COMPANY} started in {LOC} in 1987 as a small family business.",
    "{PER} started {COMPANY} with two friends in {LOC}.",
    "Has anyone here ever had a job interview at {COMPANY}?",
    "My order from {COMPANY} still hasn't shipped.",
    "{COMPANY} makes the engines for {COMPANY}.",
    "Workers at {COMPANY} went on strike in {LOC} this morning.",
    "{COMPANY} is moving 300 jobs from {LOC} to {LOC}.",
    "The new {COMPANY} phone costs more than the old one.",
    "{COMPANY} sells more coffee than any other chain in {LOC}.",
    "Investors sold {COMPANY} stock after the report.",
    "Thanks to {COMPANY}, the village finally has fast internet.",
    "I returned the shoes to {COMPANY} but never got my money back.",
    "{COMPANY}'s profits doubled last year.",
    "{COMPANY} pulled its ads after the scandal.",
    "Talks between {COMPANY} and {COMPANY} broke down on Friday.",
    # sports
    "{CLUB} drew 1-1 with {CLUB} last night.",
    "{CLUB} lost 3-0 at home to {CLUB}.",
    "{PER} joined {CLUB} on a two-year contract.",
    "{CLUB} paid 40 million euros for {PER}.",
    "{PER} has been the coach of {CLUB} since 2021.",
    "{CLUB} fans celebrated in the streets of {LOC}.",
    "{LAST} scored a late goal to give {CLUB} the win.",
    "{PER} finished second in the race in {LOC}.",
    "{CLUB} will face {CLUB} in the cup final.",
    # studies and research
    "{PER} got her degree in economics from {SCHOOL}.",
    "{PER} is a professor of chemistry at {SCHOOL}.",
    "Scientists at {SCHOOL} have built a cheaper solar panel.",
    "My daughter was accepted to {SCHOOL}!",
    "{SCHOOL} is raising its tuition fees again.",
    "{PER} dropped out of {SCHOOL} after one year.",
    "A study by {SCHOOL} and {AGENCY} found that most people sleep too little.",
    # public bodies and charities
    "{AGENCY} says the river in {LOC} could flood tonight.",
    "{AGENCY} is sending doctors and tents to {LOC}.",
    "{AGENCY} opened an investigation into {COMPANY}.",
    "Volunteers from {AGENCY} handed out food in {LOC}.",
    "The {AGENCY} approved the new budget on Tuesday.",
    "{AGENCY} asked people in {LOC} to save water.",
    "{PER} has led {AGENCY} since 2018.",
    "The mayor of {LOC} thanked {PER} for the donation.",
    "{AGENCY} fined {COMPANY} 5 million euros.",
    # people
    "{PER} moved to {LOC} last year.",
    "{PER}, who was born in {LOC}, joined {ORG} in 2019.",
    "Yesterday {PER} met {PER} at the {ORG} office.",
    "According to {PER}, the weather in {LOC} was terrible.",
    "Nobody expected {PER} to win.",
    "{PER} grew up in {LOC} and still lives there.",
    "{PER} married {PER} in {LOC} in 2012.",
    "{PER} and her brother {PER} run a bakery in {LOC}.",
    "Could you tell {FIRST} that the meeting is at ten?",
    "Happy birthday {FIRST}, have a great day!",
    "Dr. {PER} will call you back this afternoon.",
    "Mr. {LAST} says the report will be late.",
    "Ms. {LAST} is on holiday until Monday.",
    "I ran into {PER} at the supermarket.",
    "{FIRST} and I are going to the cinema tonight.",
    "{PER} wrote a book about her years in {LOC}.",
    "{PER} plays the piano in a jazz band.",
    "{PER} thanked {COMPANY} for its support.",
    "{PER} won an award for her photos of {LOC}.",
    "{FIRST}, are you coming to the party on Saturday?",
    # places
    "We flew from {LOC} to {LOC} with {PER}.",
    "the train to {LOC} was late again",
    "I love the museums of {LOC} and the food in {LOC}!",
    "Is it cold in {LOC} in March?",
    "What's the cheapest way to get from {LOC} to {LOC}?",
    "Our hotel in {LOC} had a view of the sea.",
    "The road between {LOC} and {LOC} is closed because of snow.",
    "{LOC} borders {LOC} to the north.",
    "Prices in {LOC} are much higher than in {LOC}.",
    "We drove through {LOC} on the way to {LOC}.",
    "How many people live in {LOC}?",
    "The storm hit {LOC} on Tuesday night.",
    "My grandparents came from a small village near {LOC}.",
    "We visited {LOC}, {LOC} and {LOC} in two weeks.",
    # no entity
    "There was no news today.",
    "The meeting has moved to Thursday afternoon.",
    "Could you buy milk and bread on the way home?",
    "My phone battery dies so fast these days.",
    "We should get coffee sometime next week.",
    "The kids are finally asleep.",
    "Don't forget to water the plants.",
    "What time does the shop close tonight?",
    "I think it is going to rain later.",
    "The new season of the show starts on Friday.",
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


def _fill(template: str, names: NameWriter) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    draw = {"PER": names.person, "FIRST": names.first_name, "LAST": names.last_name, "LOC": names.location,
            "ORG": names.organization, "COMPANY": names.company, "CLUB": names.club, "SCHOOL": names.school,
            "AGENCY": names.agency}
    text, spans, position = "", [], 0
    for match in re.finditer(r"\{(" + "|".join(SLOTS) + r")\}", template):
        text += template[position:match.start()]
        value = draw[match.group(1)]()
        spans.append((len(text), len(text) + len(value), SLOTS[match.group(1)]))
        text += value
        position = match.end()
    return text + template[position:], tuple(spans)


def generate_ner(train_size: int, validation_size: int, test_size: int, seed: int = 0) -> Splits[EntityTexts]:
    """Template sentences with real names and places; see the module docstring."""
    pools = entity_pools(seed)
    rng = random.Random(seed)
    train = _sentences(rng, pools.train, train_size, name_seed=2 * seed)
    test = _sentences(rng, pools.test, test_size, name_seed=2 * seed + 1)   # drawn before validation, as in squad.py
    validation = _sentences(rng, pools.validation, validation_size, name_seed=f"validation {seed}")   # not an int: no other split's
    return Splits(train, validation, test)


def _sentences(rng: random.Random, pool: EntityPool, size: int, name_seed: int | str) -> EntityTexts:
    names = NameWriter(rng, pool, name_seed)
    rows = [_fill(rng.choice(TEMPLATES), names) for _ in range(size)]
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
