"""Real English text for pre-training: the World English Bible (public domain).

Debian's `sword-text-web` installs the text as a SWORD module; `zoo.datasets.bible` reads and
caches it (one book at a time, under `.cache/bible/`). Passages are consecutive verses.

    passages = load_passages(max_chars=200_000)     # books in canonical order until that size
    passages[0][:40]                                # 'In the beginning, God created the heaven'
"""
from __future__ import annotations

from zoo.datasets import bible
from zoo.datasets.bible import clean_verse  # noqa: F401  (re-exported: part of this module's interface)

MODULE = bible.ENGLISH


def book_names() -> list[str]:
    """OSIS names of the Old and New Testament books, in canonical order."""
    return bible.book_names(MODULE)


def book_verses(name: str) -> list[str]:
    """Every verse of one book as plain text, extracted on first use and cached."""
    return [verse.text for verse in bible.book_verses(MODULE, name)]


def load_passages(max_chars: int, passage_chars: int = 500) -> list[str]:
    """Consecutive verses joined into passages of at most about `passage_chars` characters,
    taken book by book in canonical order until `max_chars` characters are collected."""
    passages: list[str] = []
    total = 0
    for name in book_names():
        current = ""
        for verse in book_verses(name):
            if current and len(current) + len(verse) + 1 > passage_chars:
                passages.append(current)
                total += len(current)
                current = ""
                if total >= max_chars:
                    return passages
            current = f"{current} {verse}" if current else verse
        if current:
            passages.append(current)
            total += len(current)
        if total >= max_chars:
            break
    return passages
