"""Real English text for pre-training: the World English Bible (public domain).

Debian's `sword-text-web` installs the text as a SWORD module; PyPI's `pysword` reads it.
Verses are extracted once per book (about 1 s a book), stripped of markup and footnotes, and
cached as plain text under `.cache/gpt2/web/` (or `$ZOO_CACHE/gpt2/web/`), one verse a line.

    passages = load_passages(max_chars=200_000)     # books in canonical order until that size
    passages[0][:40]                                # 'In the beginning, God created the heaven'
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from zoo.errors import ZooError

SWORD_ROOT = Path("/usr/share/sword")
MODULE = "engWEB2015eb"
CACHE_DIR = Path(os.environ.get("ZOO_CACHE", Path(__file__).resolve().parents[2] / ".cache")) / "gpt2" / "web"
_NOTE = re.compile(r"<note\b.*?</note>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")


def clean_verse(markup: str) -> str:
    """Plain text of one verse's OSIS markup, without footnotes or cross-references."""
    text = _TAG.sub("", _NOTE.sub(" ", markup))
    text = _SPACE.sub(" ", text).strip()
    return re.sub(r" ([,.;:!?’”)])", r"\1", text)


@functools.cache
def _bible():
    if not (SWORD_ROOT / "mods.d" / f"{MODULE}.conf").is_file():
        raise ZooError(
            f"the World English Bible is not installed ({SWORD_ROOT}/mods.d/{MODULE}.conf missing); "
            "install the Debian package sword-text-web (`make install` does)"
        )
    from pysword.modules import SwordModules

    modules = SwordModules(str(SWORD_ROOT))
    modules.parse_modules()
    return modules.get_bible_from_module(MODULE)


def book_names() -> list[str]:
    """OSIS names of the Old and New Testament books, in canonical order."""
    structure = _bible().get_structure().get_books()
    return [book.osis_name for testament in ("ot", "nt") for book in structure[testament]]


def book_verses(name: str) -> list[str]:
    """Every verse of one book as plain text, extracted on first use and cached."""
    path = CACHE_DIR / f"{name}.txt"
    if not path.is_file():
        markup = _bible().get(books=[name], clean=False, join="\n")
        verses = [verse for verse in map(clean_verse, markup.split("\n")) if verse]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.partial")
        tmp.write_text("\n".join(verses) + "\n")
        os.replace(tmp, path)
    return path.read_text().splitlines()


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
