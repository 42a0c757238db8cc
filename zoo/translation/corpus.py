"""Spanish -> English sentence pairs: cleaned, deduplicated, length-filtered, split by seed.

Sources:
- `bible`: the Spanish Reina-Valera 1909 aligned with the World English Bible by (book,
  chapter, verse), books both translations have (`zoo.datasets.bible`); ~31k pairs, cached as
  a TSV under `.cache/translation/` on first use.
- `numbers`: a small deterministic set for fast tests: number words from `num2words`
  (0..1999, "trescientos cuarenta y dos" -> "three hundred and forty-two") and month, weekday,
  country and language names from Babel's CLDR data.
- `file`: a tab-separated file in the common `spa-eng.txt` format: english<TAB>spanish[<TAB>attribution].

    pairs = load_pairs("numbers")
    split = split_pairs(clean_pairs(pairs, max_words=24, max_length_ratio=3.0), validation_size=100, test_size=200, seed=0)
    split.train[0]        # Pair(source='...', target='...')
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from zoo.datasets import bible
from zoo.errors import ZooError
from zoo.task import Splits
from zoo.io import write_atomically

CACHE_DIR = bible.CACHE_DIR.parent / "translation"
BIBLE_TSV = "bible-spaRV1909-engWEB.tsv"
NUMBERS = range(2000)


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


def number_and_name_pairs() -> list[Pair]:
    """Number words (num2words) and CLDR names (Babel), Spanish -> English, deterministic."""
    from babel import Locale
    from num2words import num2words

    pairs = [Pair(num2words(n, lang="es"), num2words(n, lang="en")) for n in NUMBERS]
    spanish, english = Locale("es"), Locale("en")
    for kind in ("months", "days"):
        es_names, en_names = getattr(spanish, kind)["format"]["wide"], getattr(english, kind)["format"]["wide"]
        pairs += [Pair(es_names[key], en_names[key]) for key in sorted(es_names)]
    for kind in ("territories", "languages"):
        es_names, en_names = getattr(spanish, kind), getattr(english, kind)
        pairs += [Pair(es_names[key], en_names[key]) for key in sorted(set(es_names) & set(en_names))]
    return pairs


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
