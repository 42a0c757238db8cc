"""Facts for generated question answering: each a sentence with the answers it holds and the
questions that ask for them. Stories are about a person (birth, studies, moves, jobs, family), a
company, an event, a match, a building, a shop, or a country (GeoNames facts), written with the
names of `zoo.bert.names`.

A story's first sentence names its subject; later ones may say "she" or "it". Questions ask by
name, in several phrasings, or, when the context is about one subject only, by pronoun ("When
did she move to Lyon?").

    writer = StoryWriter(random.Random(0), NameWriter(...), countries)
    facts = writer.person(alone=True)      # [Fact('Anna Weber was born in [born] in [year].', ...), ...]
    facts[0].text, facts[0].questions      # 'Anna Weber was born in Lyon in 1961.', (('Where was Anna Weber born?', 'born'), ...)
"""
from __future__ import annotations

import dataclasses
import functools
import random
import re
from typing import Sequence, TypeVar

from zoo.bert.names import NameWriter

T = TypeVar("T")

CONTINENTS = {"AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
              "NA": "North America", "OC": "Oceania", "SA": "South America"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
SUBJECTS = ("physics", "law", "medicine", "economics", "history", "engineering", "music", "chemistry", "architecture",
            "computer science", "biology", "mathematics", "philosophy", "nursing", "art", "journalism", "geography")
PRODUCTS = ("electric bikes", "running shoes", "frozen pizza", "solar panels", "mobile games", "kitchen furniture",
            "coffee machines", "children's books", "garden tools", "sports cars", "chocolate", "hearing aids",
            "wind turbines", "organic yoghurt", "office software", "camping tents", "toys")
EVENTS = ("jazz festival", "book fair", "food market", "city marathon", "film festival", "flower show", "science fair",
          "wine festival", "charity concert", "street parade", "Christmas market", "comedy night")
VENUES = ("the town hall", "the old harbour", "the central station", "the city park", "the main square",
          "the football stadium", "the castle", "the university campus", "the exhibition centre")
REASONS = ("heavy rain", "a strike", "road works", "the storm", "a power cut", "low ticket sales", "the heat")
SHOPS = ("pharmacy", "post office", "butcher", "flower shop", "hardware store", "bookshop", "bike shop", "garden centre")
BUILDINGS = (("Bridge", "bridge", "long"), ("Tower", "tower", "tall"), ("Tunnel", "tunnel", "long"),
             ("Dam", "dam", "high"), ("Cathedral", "cathedral", "tall"), ("Lighthouse", "lighthouse", "tall"))


@dataclasses.dataclass(frozen=True)
class Fact:
    """A sentence with [slot] where each answer goes, its answers, and (question, slot) pairs."""

    sentence: str
    answers: dict[str, str]
    questions: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        text = re.sub(r"\[(\w+)\]", lambda m: self.answers[m.group(1)], self.sentence)
        return text[:-1] if text.endswith("..") else text   # an answer ending the sentence ends in "p.m."

    def offset(self, slot: str) -> int:
        """Where the answer of `slot` starts in `text`."""
        before = self.sentence[:self.sentence.index(f"[{slot}]")]
        return len(re.sub(r"\[(\w+)\]", lambda m: self.answers[m.group(1)], before))


@dataclasses.dataclass(frozen=True)
class Subject:
    """How a story refers to its subject: by name in its first sentence, then by `later` (a
    pronoun or the first name); questions say `name`, `short` or, alone in a context, `pronoun`."""

    name: str
    short: str
    pronoun: str
    possessive: str
    later: str

    def words(self, first: bool) -> dict[str, str]:
        """The subject of a sentence at its start ("R") and inside it ("r")."""
        subject = self.name if first else self.later
        return {"R": subject[0].upper() + subject[1:], "r": subject}


@functools.cache
def jobs() -> tuple[str, ...]:
    """Faker's job titles without a comma, lower case ("nurse", "civil engineer")."""
    from faker.providers.job.en_US import Provider

    return tuple(sorted({job.lower() for job in Provider.jobs if "," not in job and "/" not in job and "(" not in job}))


def article(word: str) -> str:
    """"a nurse", "an architect"."""
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def owner(name: str) -> str:
    """The possessive of a name: "Anna's", "Wanderers'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def country_facts(country: dict) -> list[Fact]:
    """The GeoNames facts of a country: capital, currency, continent, population, area, web domain."""
    name = country["name"]
    facts = []
    if country["capital"]:
        facts.append(Fact(f"The capital of {name} is [a].", {"a": country["capital"]},
                          ((f"What is the capital of {name}?", "a"), (f"Which city is the capital of {name}?", "a"))))
    if country["currencyname"]:
        facts.append(Fact(f"In {name} people pay with the [a].", {"a": country["currencyname"]},
                          ((f"What is the currency of {name}?", "a"), (f"Which currency is used in {name}?", "a"))))
    if country["continentcode"] in CONTINENTS:
        facts.append(Fact(f"{name} lies in [a].", {"a": CONTINENTS[country["continentcode"]]},
                          ((f"On which continent is {name}?", "a"), (f"Where does {name} lie?", "a"))))
    if country["population"]:
        facts.append(Fact(f"{name} has [a] inhabitants.", {"a": f"{country['population']:,}"},
                          ((f"How many people live in {name}?", "a"), (f"What is the population of {name}?", "a"))))
    if country["areakm2"]:
        facts.append(Fact(f"{name} covers [a].", {"a": f"{int(country['areakm2']):,} square kilometres"},
                          ((f"How large is {name}?", "a"), (f"What area does {name} cover?", "a"))))
    if country["tld"]:
        facts.append(Fact(f"Websites in {name} end in [a].", {"a": country["tld"]}, ((f"What is the internet domain of {name}?", "a"),)))
    return facts


class StoryWriter:
    """Writes the facts of one story about a new subject, with the names of one split."""

    def __init__(self, rng: random.Random, names: NameWriter, countries: list[dict]):
        self.rng = rng
        self.names = names
        self.countries = countries
        self.previous: dict[tuple, str] = {}

    # --- small values -------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def pick_new(self, options: tuple[str, ...]) -> str:
        """An option other than the one the last call with these options gave, so that a
        distractor story is not about another "jazz festival" or "pharmacy"."""
        choice = self.pick([option for option in options if option != self.previous.get(options)])
        self.previous[options] = choice
        return choice

    def count(self, low: int, high: int) -> str:
        """A round-looking number between low and high, with thousands separators."""
        n = self.rng.randint(low, high)
        digits = len(str(n))
        if digits > 2:
            n = round(n, -(digits - 2))
        return f"{n:,}"

    def money(self) -> str:
        """"420 million euros", "3.5 billion dollars"."""
        if self.rng.random() < 0.5:
            return f"{self.rng.randint(2, 950)} million {self.pick(('euros', 'dollars', 'pounds'))}"
        return f"{self.rng.randint(1, 40)}.{self.rng.randint(1, 9)} billion {self.pick(('euros', 'dollars'))}"

    def price(self) -> str:
        """"12 euros", "£8"."""
        return self.pick((f"{self.rng.randint(3, 80)} euros", f"{self.rng.randint(3, 80)} dollars",
                          f"£{self.rng.randint(3, 80)}", f"{self.rng.randint(3, 80)} francs"))

    def date(self, year: int | None = None) -> str:
        """"3 May", "May 3", with the year if given ("3 May 2019", "May 3, 2019")."""
        day, month = self.rng.randint(1, 28), self.pick(MONTHS)
        text = self.pick((f"{day} {month}", f"{month} {day}"))
        return f"{text}, {year}" if year and text[0].isalpha() else f"{text} {year}" if year else text

    def time(self, morning: bool) -> str:
        """A clock time in the morning ("9:30 a.m.") or the afternoon ("3 pm", "15:00")."""
        hour, minute = self.rng.randint(7, 11), self.pick(("", ":15", ":30", ":45"))
        if morning:
            return self.pick((f"{hour}{minute} a.m.", f"{hour}{minute} am", f"{hour}{minute or ':00'}"))
        return self.pick((f"{hour - 6}{minute} pm", f"{hour - 6}{minute} p.m.", f"{hour + 6}{minute or ':00'}"))

    def number_word(self) -> str:
        return self.pick(NUMBER_WORDS)

    # --- stories ------------------------------------------------------------------------
    def person_subject(self) -> Subject:
        female = self.rng.random() < 0.5
        first = self.names.fake.first_name_female() if female else self.names.fake.first_name_male()
        name = f"{first} {self.names.last_name()}"
        pronoun, possessive = ("she", "her") if female else ("he", "his")
        return Subject(name, first, pronoun, possessive, self.pick((pronoun, pronoun, first)))

    def person(self, alone: bool) -> list[Fact]:
        """A life: birth first, then two to four of studies, a move, a job, an earlier job,
        family and its end or a prize, in that order. Questions say the person's name, first
        name or, when `alone` in the context, pronoun ({X}, {Xs} possessive, {P} pronoun)."""
        s, rng = self.person_subject(), self.rng
        first, w = s.words(first=True), s.words(first=False)

        def fact(sentence: str, answers: dict[str, str], *questions: tuple[str, str]) -> Fact:
            refs = [(s.name, owner(s.name)), (s.short, owner(s.short))] + ([(s.pronoun, s.possessive)] if alone else [])
            return Fact(sentence, answers, tuple((q.replace("{X}", x).replace("{Xs}", xs).replace("{P}", s.pronoun), slot)
                                                 for q, slot in questions for x, xs in refs))

        born_year = rng.randint(1930, 1995)
        move_year = min(born_year + rng.randint(20, 40), 2024)
        past = lambda year: str(min(year, 2025))
        place, city, other_city = self.names.place(), self.names.place(), self.names.place()
        job, old_job, company = article(self.pick(jobs())), article(self.pick(jobs())), self.names.company()
        birth = self.pick((
            fact(f"{first['R']} was born in [born] in [year].", {"born": place, "year": str(born_year)},
                 ("Where was {X} born?", "born"), ("Where is {X} from?", "born"), ("When was {X} born?", "year"),
                 ("In which year was {X} born?", "year")),
            fact(f"{first['R']} was born in [year] and grew up in [born].", {"born": place, "year": str(born_year)},
                 ("Where did {X} grow up?", "born"), ("When was {X} born?", "year"), ("What year was {X} born in?", "year")),
            fact(f"{first['R']} comes from [born].", {"born": place}, ("Where does {X} come from?", "born"), ("Where is {X} from?", "born")),
        ))
        later = [
            fact(f"{w['R']} studied [subject] at [school].", {"subject": self.pick(SUBJECTS), "school": self.names.school()},
                 ("What did {X} study?", "subject"), ("Which subject did {X} study?", "subject"), ("Where did {X} study?", "school"),
                 ("Which university did {X} go to?", "school")),
            self.pick((
                fact(f"In [year], {w['r']} moved to [city].", {"year": str(move_year), "city": city},
                     (f"When did {{X}} move to {city}?", "year"), (f"In which year did {{X}} move to {city}?", "year"),
                     (f"Where did {{X}} move in {move_year}?", "city"), ("Which city did {X} move to?", "city")),
                fact(f"{w['R']} moved to [city] at the age of [age].", {"city": city, "age": str(move_year - born_year)},
                     (f"How old was {{X}} when {{P}} moved to {city}?", "age"), ("Where did {X} move to?", "city")),
                fact(f"{w['R']} left for [city] in [year] and has lived there since.", {"city": city, "year": str(move_year)},
                     ("Where does {X} live?", "city"), (f"When did {{X}} go to {city}?", "year"), (f"Since when has {{X}} lived in {city}?", "year")),
            )),
            self.pick((
                fact(f"{w['R']} works as [job] at [company].", {"job": job, "company": company},
                     ("What does {X} do?", "job"), ("What is {Xs} job?", "job"), ("What does {X} do for a living?", "job"),
                     ("Where does {X} work?", "company"), ("Which company does {X} work for?", "company")),
                fact(f"Today {w['r']} is [job] for [company].", {"job": job, "company": company},
                     ("What is {Xs} job?", "job"), ("What does {X} work as?", "job"), ("Who does {X} work for?", "company")),
                fact(f"{w['R']} joined [company] in [year] as [job].", {"company": company, "year": past(move_year + rng.randint(1, 9)), "job": job},
                     (f"When did {{X}} join {company}?", "year"), ("Which company did {X} join?", "company"),
                     (f"What does {{X}} do at {company}?", "job")),
            )),
            fact(f"Before that, {w['r']} spent [time] as [old] in [where].", {"time": f"{self.number_word()} years", "old": old_job, "where": other_city},
                 (f"How long did {{X}} work as {old_job}?", "time"), ("What was {Xs} first job?", "old"),
                 (f"Where did {{X}} work as {old_job}?", "where")),
            fact(f"{w['R']} married [spouse] in [year], and they have [children] children.",
                 {"spouse": self.names.person(), "year": past(move_year + rng.randint(0, 12)), "children": self.number_word()},
                 ("Who did {X} marry?", "spouse"), ("Who is {X} married to?", "spouse"), ("When did {X} get married?", "year"),
                 ("How many children does {X} have?", "children"), ("How many kids does {X} have?", "children")),
            self.pick((
                fact(f"{w['R']} retired in [year].", {"year": past(born_year + rng.randint(60, 68))}, ("When did {X} retire?", "year")),
                fact(f"{w['R']} died in [where] in [year] at the age of [age].",
                     {"where": other_city, "year": str(born_year + (age := rng.randint(min(45, 2025 - born_year), 2025 - born_year))), "age": str(age)},
                     ("When did {X} die?", "year"), ("Where did {X} die?", "where"), ("How old was {X} when {P} died?", "age")),
                fact(f"In [year], {w['r']} won a prize for [work].",
                     {"year": past(move_year + rng.randint(1, 20)), "work": f"{s.possessive} {self.pick(('photos', 'paintings', 'poems', 'songs'))} of {other_city}"},
                     ("When did {X} win a prize?", "year"), ("What did {X} win a prize for?", "work")),
            )),
        ]
        kept = sorted(rng.sample(range(len(later)), rng.randint(2, 4)))
        return [birth] + [later[i] for i in kept]

    def company(self) -> list[Fact]:
        name, rng = self.names.company(), self.rng
        founders = self.pick((self.names.person(), f"{self.names.person()} and {self.names.person()}"))
        year = rng.randint(1850, 2020)
        it = lambda: self.pick(("It", "The company", name))
        it_later = lambda: self.pick(("it", "the company", name))
        founding = self.pick((
            Fact(f"{name} was founded in [year] by [founders] in [city].", {"year": str(year), "founders": founders, "city": self.names.place()},
                 ((f"When was {name} founded?", "year"), (f"Who founded {name}?", "founders"), (f"Where was {name} founded?", "city"),
                  (f"In which year was {name} founded?", "year"))),
            Fact(f"[founders] started {name} in [year].", {"founders": founders, "year": str(year)},
                 ((f"Who started {name}?", "founders"), (f"Who founded {name}?", "founders"), (f"When did {name} start?", "year"))),
        ))
        boss, city = self.names.person(), self.names.place()
        facts = [
            Fact(f"{it()} makes [product] and sells them in [countries] countries.", {"product": self.pick(PRODUCTS), "countries": str(rng.randint(3, 90))},
                 ((f"What does {name} make?", "product"), (f"What does {name} sell?", "product"),
                  (f"In how many countries does {name} sell its products?", "countries"))),
            Fact(f"{it()} employs [staff] people.", {"staff": self.count(12, 90_000)},
                 ((f"How many people does {name} employ?", "staff"), (f"How many employees does {name} have?", "staff"),
                  (f"How many people work for {name}?", "staff"))),
            Fact(f"{self.pick(('Its headquarters are', 'Its head office is'))} in [city].", {"city": self.names.place()},
                 ((f"Where are {owner(name)} headquarters?", "city"), (f"Where is {name} based?", "city"))),
            Fact(f"Last year its sales reached [sales].", {"sales": self.money()},
                 ((f"How much did {name} sell last year?", "sales"), (f"What were {owner(name)} sales last year?", "sales"))),
            Fact(f"[boss] has been its chief executive since [year].", {"boss": boss, "year": str(rng.randint(year, 2024))},
                 ((f"Who runs {name}?", "boss"), (f"Who is the chief executive of {name}?", "boss"), (f"Since when has {boss} led {name}?", "year"))),
            Fact(f"In [year] {it_later()} opened a factory in [city].",
                 {"year": str(rng.randint(year, 2024)), "city": city},
                 ((f"When did {name} open its factory in {city}?", "year"), (f"Where did {name} open a factory?", "city"))),
            Fact(f"Its shares {self.pick(('rose', 'fell'))} [change] on [day].", {"change": f"{rng.randint(1, 30)} percent", "day": self.pick(WEEKDAYS)},
                 ((f"By how much did {owner(name)} shares move?", "change"), (f"How much did {owner(name)} shares change?", "change"),
                  (f"On which day did {owner(name)} shares move?", "day"))),
        ]
        kept = sorted(rng.sample(range(len(facts)), rng.randint(2, 4)))
        return [founding] + [facts[i] for i in kept]

    def event(self) -> list[Fact]:
        rng, event, city = self.rng, self.pick_new(EVENTS), self.names.place()
        the = self.pick((f"the {event}", f"the {city} {event}"))
        facts = [
            Fact(f"The {city} {event} takes place on [date].", {"date": self.date()},
                 ((f"When is {the}?", "date"), (f"When does {the} take place?", "date"), (f"On what date is {the}?", "date"))),
            Fact(f"It starts at [start] at [venue] and ends at [end].", {"start": self.time(morning=True), "venue": self.pick(VENUES), "end": self.time(morning=False)},
                 ((f"What time does {the} start?", "start"), (f"When does {the} begin?", "start"), (f"Where does {the} start?", "venue"),
                  (f"When does {the} end?", "end"), (f"What time does {the} finish?", "end"))),
            Fact(f"Organisers expect [visitors] visitors.", {"visitors": f"{self.pick(('about ', 'around ', 'more than ', ''))}{self.count(300, 80_000)}"},
                 ((f"How many visitors are expected?", "visitors"), (f"How many people are expected at {the}?", "visitors"))),
            Fact(f"Tickets cost [adult], or [child] for children.", {"adult": self.price(), "child": self.price()},
                 ((f"How much do tickets cost?", "adult"), (f"How much is a ticket for {the}?", "adult"),
                  (f"How much do children pay?", "child"), (f"How much is a child's ticket?", "child"))),
            Fact(f"It was first planned for [old], but was moved because of [reason].", {"old": self.date(), "reason": self.pick(REASONS)},
                 ((f"Why was {the} moved?", "reason"), (f"Why was {the} postponed?", "reason"), (f"When was {the} first planned?", "old"))),
            Fact(f"It is organised by [organiser].", {"organiser": self.names.organization()},
                 ((f"Who organises {the}?", "organiser"), (f"Who is organising {the}?", "organiser"))),
        ]
        kept = sorted(rng.sample(range(1, len(facts)), rng.randint(2, 4)))
        return [facts[0]] + [facts[i] for i in kept]

    def match(self) -> list[Fact]:
        rng = self.rng
        home, away = self.names.club(), self.names.club()
        won, lost = rng.randint(1, 5), rng.randint(0, 3)
        score, day, first, second = f"{max(won, lost + 1)}-{lost}", self.pick(WEEKDAYS), self.names.person(), self.names.person()
        result = self.pick((
            Fact(f"[winner] beat [loser] [score] in [city] on {day}.", {"winner": home, "loser": away, "score": score, "city": self.names.place()},
                 ((f"Who won on {day}?", "winner"), ("Which team won?", "winner"), (f"Who did {home} beat?", "loser"),
                  (f"Who lost to {home}?", "loser"), ("What was the score?", "score"), ("Where was the match played?", "city"))),
            Fact(f"[winner] won [score] against [loser] on {day}.", {"winner": home, "score": score, "loser": away},
                 (("Who won the match?", "winner"), (f"Who did {home} play against?", "loser"), ("What was the final score?", "score"))),
        ))
        facts = [
            Fact(f"[first] gave {home} the lead after [minute] minutes, and [second] added another goal late in the game.",
                 {"first": first, "minute": str(rng.randint(2, 80)), "second": second},
                 ((f"Who gave {home} the lead?", "first"), (f"Who scored first for {home}?", "first"),
                  (f"After how many minutes did {home} take the lead?", "minute"), (f"Who scored {owner(home)} second goal?", "second"))),
            Fact(f"The game was watched by [fans] fans.", {"fans": self.count(800, 90_000)},
                 (("How many fans watched the game?", "fans"), ("How many people watched the match?", "fans"))),
            Fact(f"{owner(home)} coach, [coach], said the team deserved to win.", {"coach": self.names.person()},
                 ((f"Who is {owner(home)} coach?", "coach"), (f"Who coaches {home}?", "coach"))),
            Fact(f"In the race before the match, [runner] won the 10 kilometres in [result].",
                 {"runner": self.names.person(), "result": f"{rng.randint(27, 45)} minutes and {rng.randint(2, 59)} seconds"},
                 (("Who won the 10 kilometres?", "runner"), ("How fast was the winner of the 10 kilometres?", "result"))),
        ]
        kept = sorted(rng.sample(range(len(facts)), rng.randint(1, 3)))
        return [result] + [facts[i] for i in kept]

    def building(self) -> list[Fact]:
        rng = self.rng
        suffix, kind, size = self.pick_new(BUILDINGS)
        name = f"the {self.pick((self.names.single_word_place(), self.names.last_name()))} {suffix}"
        opened = rng.randint(1850, 2023)
        facts = [
            Fact(f"{name[0].upper() + name[1:]} in [city] is [size] {size}.", {"city": self.names.place(), "size": f"{self.count(40, 4000)} metres"},
                 ((f"How {size} is {name}?", "size"), (f"Where is {name}?", "city"))),
            Fact(f"Work on it began in [begun] and it opened on [opened].", {"begun": str(opened - rng.randint(1, 9)), "opened": self.date(opened)},
                 ((f"When did {name} open?", "opened"), (f"When was {name} opened?", "opened"), (f"When did work on {name} begin?", "begun"))),
            Fact(f"It cost [cost].", {"cost": self.money()}, ((f"How much did {name} cost?", "cost"), (f"What did {name} cost?", "cost"))),
            Fact(f"It was designed by [architect].", {"architect": self.names.person()},
                 ((f"Who designed {name}?", "architect"), (f"Who was the architect of {name}?", "architect"))),
            Fact(f"About [visitors] people visit it every year.", {"visitors": self.count(2000, 900_000)},
                 ((f"How many people visit {name} every year?", "visitors"), (f"How many visitors does {name} get?", "visitors"))),
        ]
        kept = sorted(rng.sample(range(1, len(facts)), rng.randint(1, 3)))
        return [facts[0]] + [facts[i] for i in kept]

    def shop(self) -> list[Fact]:
        shop, street = self.pick_new(SHOPS), self.names.fake.street_name()
        the = f"the {shop}"
        closed = self.pick(WEEKDAYS)
        facts = [
            Fact(f"Opening hours of the {shop} on {street}: weekdays from [open] to [close], [closed] closed.",
                 {"open": self.time(morning=True), "close": self.time(morning=False), "closed": f"{closed}s"},
                 ((f"What time does {the} open?", "open"), (f"When does {the} open on weekdays?", "open"),
                  (f"When does {the} close?", "close"), (f"On which day is {the} closed?", "closed"))),
            Fact("Orders over [limit] are delivered for free.", {"limit": self.price()},
                 (("When is delivery free?", "limit"), (f"How much do you need to spend at {the} for free delivery?", "limit"))),
            Fact("You can return anything within [days] days.", {"days": str(self.rng.choice((14, 30, 60, 90)))},
                 ((f"How long do I have to return something to {the}?", "days"), ("Within how many days can you return things?", "days"))),
            Fact("The owner, [owner], opened it in [year].", {"owner": self.names.person(), "year": str(self.rng.randint(1950, 2023))},
                 ((f"Who owns {the}?", "owner"), (f"When did {the} open?", "year"), (f"Who opened {the}?", "owner"))),
        ]
        kept = sorted(self.rng.sample(range(1, len(facts)), self.rng.randint(1, 3)))
        return [facts[0]] + [facts[i] for i in kept]

    def country(self) -> list[Fact]:
        return country_facts(self.pick(self.countries))
