"""Spanish -> English sentence pairs: cleaned, deduplicated, length-filtered, split by seed.

Sources:
- `bible`: the Spanish Reina-Valera 1909 aligned with the World English Bible by (book,
  chapter, verse), books both translations have (`zoo.datasets.bible`); ~31k pairs, cached as
  a TSV under `.cache/translation/` on first use.
- `numbers`: a small deterministic set for fast tests: number words from `num2words`
  (0..1999, "trescientos cuarenta y dos" -> "three hundred and forty-two") and month, weekday,
  country and language names from Babel's CLDR data.
- `file`: a tab-separated file in the common `spa-eng.txt` format: english<TAB>spanish[<TAB>attribution].

Phrasebooks, short everyday Spanish that packages ship, added to the training split only:
- `django`: Django's Spanish interface strings ("Eliminar" -> "Delete", "Contraseña nueva:" ->
  "New password:"), read from its compiled `es` catalogs with Babel; strings with placeholders
  or markup are left out.
- `dictionary`: FreeDict's Spanish-English dictionary (Debian `dict-freedict-spa-eng`), each of
  its ~4,500 headwords with the first English word of its first sense ("biblioteca" -> "library").
- `calendar`: month and weekday names from Babel's CLDR data.
- `numbers`: number words 0..100 (num2words).

    pairs = load_pairs("numbers")
    split = split_pairs(clean_pairs(pairs, max_words=24, max_length_ratio=3.0), validation_size=100, test_size=200, seed=0)
    split.train[0]        # Pair(source='...', target='...')
    phrasebook_pairs(["dictionary"])[:2]      # [Pair(source='a', target='at'), Pair(source='a bordo', target='aboard')]
"""
from __future__ import annotations

import gzip
import importlib.util
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from zoo.datasets import bible
from zoo.errors import ZooError
from zoo.everyday import comparable
from zoo.task import Splits
from zoo.io import write_atomically

CACHE_DIR = bible.CACHE_DIR.parent / "translation"
BIBLE_TSV = "bible-spaRV1909-engWEB.tsv"
NUMBERS = range(2000)
PHRASEBOOK_NUMBERS = range(101)
DICTIONARY = Path("/usr/share/dictd/freedict-spa-eng")
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_PLACEHOLDER = re.compile(r"%|\{|<|&|https?:")
_WORD = re.compile(r"[^\W\d_]")


class Pair(NamedTuple):
    source: str  # Spanish
    target: str  # English


def normalize(text: str) -> str:
    """NFC-normalized text with runs of whitespace as single spaces, stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def bible_pairs() -> list[Pair]:
    """Every verse both Bibles have, Spanish and English, in canonical order (cached)."""
    path = CACHE_DIR / BIBLE_TSV
    if not path.is_file():
        english_books = set(bible.book_names(bible.ENGLISH))
        lines = []
        for book in bible.book_names(bible.SPANISH):
            if book not in english_books:
                continue
            english = {(v.chapter, v.verse): v.text for v in bible.book_verses(bible.ENGLISH, book)}
            for v in bible.book_verses(bible.SPANISH, book):
                if (v.chapter, v.verse) in english:
                    lines.append(f"{book}\t{v.chapter}\t{v.verse}\t{v.text}\t{english[v.chapter, v.verse]}\n")
        write_atomically(path, "".join(lines))
    return [Pair(*line.split("\t")[3:5]) for line in path.read_text().splitlines()]


def number_pairs(numbers: range) -> list[Pair]:
    """Number words (num2words), Spanish -> English: "veintitrés" -> "twenty-three"."""
    from num2words import num2words

    return [Pair(num2words(n, lang="es"), num2words(n, lang="en")) for n in numbers]


def calendar_pairs() -> list[Pair]:
    """Month and weekday names from CLDR (Babel), Spanish -> English: "enero" -> "January"."""
    from babel import Locale

    pairs = []
    spanish, english = Locale("es"), Locale("en")
    for kind in ("months", "days"):
        es_names, en_names = getattr(spanish, kind)["format"]["wide"], getattr(english, kind)["format"]["wide"]
        pairs += [Pair(es_names[key], en_names[key]) for key in sorted(es_names)]
    return pairs


def name_pairs() -> list[Pair]:
    """Month, weekday, country and language names from CLDR (Babel), Spanish -> English."""
    from babel import Locale

    pairs = calendar_pairs()
    spanish, english = Locale("es"), Locale("en")
    for kind in ("territories", "languages"):
        es_names, en_names = getattr(spanish, kind), getattr(english, kind)
        pairs += [Pair(es_names[key], en_names[key]) for key in sorted(set(es_names) & set(en_names))]
    return pairs


def number_and_name_pairs() -> list[Pair]:
    """Number words 0..1999 and CLDR names, Spanish -> English, deterministic."""
    return number_pairs(NUMBERS) + name_pairs()


def django_pairs() -> list[Pair]:
    """Django's Spanish interface strings (every `es` catalog it ships, singular and plural
    forms), without strings holding placeholders, markup or links."""
    from babel.messages.mofile import read_mo

    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        raise ZooError("the 'django' phrasebook needs the `django` package: pip install --no-deps django==5.2.19 "
                       "(`make install` does)")
    pairs = []
    for path in sorted(Path(spec.origin).parent.glob("**/locale/es/LC_MESSAGES/*.mo")):
        with path.open("rb") as handle:
            for message in read_mo(handle):
                english = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
                spanish = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
                pairs += [Pair(es, en) for en, es in zip(english, spanish)
                          if _WORD.search(en) and _WORD.search(es) and not _PLACEHOLDER.search(en + es)]
    return pairs


def _base64_number(text: str) -> int:
    number = 0
    for character in text:
        number = number * 64 + _BASE64.index(character)
    return number


def dictionary_pairs() -> list[Pair]:
    """FreeDict's Spanish-English dictionary: each headword (as written, accents and case kept)
    with the first English word of its first sense; words it runs together ("NewSouthWales") are
    split at their capitals."""
    index, data = DICTIONARY.with_suffix(".index"), DICTIONARY.with_suffix(".dict.dz")
    if not index.is_file() or not data.is_file():
        raise ZooError(f"the 'dictionary' phrasebook needs {data}: install the Debian package "
                       "dict-freedict-spa-eng (`make install` does)")
    text = gzip.decompress(data.read_bytes())
    pairs = []
    for line in index.read_text(encoding="utf-8").splitlines():
        headword, offset, length = line.split("\t")
        if headword.startswith("00"):   # the database's own entries: name, licence, alphabet
            continue
        start = _base64_number(offset)
        head, *senses = text[start:start + _base64_number(length)].decode("utf-8").strip().split("\n")
        spanish = head.split(" /")[0].strip()
        english = re.sub(r"^\d+\. ", "", senses[0]).split(", ")[0] if senses else ""
        english = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", english)
        pairs.append(Pair(spanish.replace("\u2010", "-"), english.replace("\u2010", "-")))
    return pairs


PHRASEBOOKS = {"django": django_pairs, "dictionary": dictionary_pairs, "calendar": calendar_pairs,
               "numbers": lambda: number_pairs(PHRASEBOOK_NUMBERS)}


def phrasebook_pairs(names: Sequence[str]) -> list[Pair]:
    """The pairs of the named phrasebooks (see the module's docstring), in that order."""
    unknown = [name for name in names if name not in PHRASEBOOKS]
    if unknown:
        raise ZooError(f"unknown phrasebook(s) {', '.join(map(repr, unknown))}; expected some of {', '.join(PHRASEBOOKS)}")
    return [pair for name in names for pair in PHRASEBOOKS[name]()]


def file_pairs(path: str | Path) -> list[Pair]:
    """Pairs from a `spa-eng.txt`-style file: english<TAB>spanish[<TAB>attribution] per line."""
    path = Path(path)
    if not path.is_file():
        raise ZooError(f"pairs file {path} does not exist; expected a tab-separated file english<TAB>spanish[<TAB>attribution]")
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ZooError(f"{path} line {number} has no tab; expected english<TAB>spanish[<TAB>attribution], got {line[:80]!r}")
        pairs.append(Pair(fields[1], fields[0]))
    if not pairs:
        raise ZooError(f"{path} holds no pairs; expected lines english<TAB>spanish[<TAB>attribution]")
    return pairs


def load_pairs(corpus: str, pairs_path: str = "") -> list[Pair]:
    """The raw pairs of `corpus` ('bible', 'numbers' or 'file' with `pairs_path`)."""
    if corpus == "bible":
        return bible_pairs()
    if corpus == "numbers":
        return number_and_name_pairs()
    if corpus == "file":
        return file_pairs(pairs_path)
    raise ZooError(f"unknown corpus {corpus!r}; expected 'bible', 'numbers' or 'file'")


def clean_pairs(pairs: Sequence[Pair], max_words: int, max_length_ratio: float) -> list[Pair]:
    """Normalized pairs without empty sides, without repeats of a source sentence (the first
    translation is kept), at most `max_words` words a side, and character lengths within
    `max_length_ratio` of each other (drops misaligned pairs)."""
    kept, seen = [], set()
    for pair in pairs:
        source, target = normalize(pair.source), normalize(pair.target)
        if not source or not target or source in seen:
            continue
        if max(len(source.split()), len(target.split())) > max_words:
            continue
        if max(len(source), len(target)) > max_length_ratio * min(len(source), len(target)):
            continue
        seen.add(source)
        kept.append(Pair(source, target))
    return kept


def with_phrasebooks(split: Splits[list[Pair]], phrases: Sequence[Pair], held_out: set[str]) -> Splits[list[Pair]]:
    """`split` with `phrases` added to its training pairs, except a phrase whose Spanish is
    already a pair's, or whose Spanish or English is in `held_out` or in the validation or test
    pairs (compared as `comparable` text: case and punctuation aside)."""
    seen = held_out | {comparable(side) for pair in split.validation + split.test for side in pair}
    seen |= {comparable(pair.source) for pair in split.train}
    added = []
    for pair in phrases:
        if comparable(pair.source) in seen or comparable(pair.target) in seen:
            continue
        seen.add(comparable(pair.source))
        added.append(pair)
    return Splits(split.train + added, split.validation, split.test)


def split_pairs(pairs: Sequence[Pair], validation_size: int, test_size: int, seed: int) -> Splits[list[Pair]]:
    """A seeded shuffle cut into test, validation and the rest for training."""
    if validation_size + test_size >= len(pairs):
        raise ZooError(
            f"the corpus has {len(pairs)} pairs after cleaning, too few for validation_size={validation_size} "
            f"and test_size={test_size} plus training pairs; lower them or raise max_words"
        )
    order = np.random.default_rng(seed).permutation(len(pairs))
    picked = [pairs[i] for i in order]
    return Splits(
        train=picked[validation_size + test_size:],
        validation=picked[test_size:validation_size + test_size],
        test=picked[:test_size],
    )
