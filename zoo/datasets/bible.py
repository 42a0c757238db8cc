"""Public-domain Bibles installed as SWORD modules (Debian packages), read with PyPI's `pysword`.

Modules: `engWEB2015eb`, the World English Bible (`sword-text-web`), and `spaRV1909eb`, the
Spanish Reina-Valera 1909 (`sword-text-sparv`). Each book is extracted once, stripped of
markup and footnotes, and cached as `chapter<TAB>verse<TAB>text` lines under
`.cache/bible/<module>/` (or `$ZOO_CACHE/bible/<module>/`), so verses of two translations can be
aligned by (book, chapter, verse).

    verses = book_verses("spaRV1909eb", "Gen")     # [Verse(chapter=1, verse=1, text='EN el principio ...'), ...]
    book_names("engWEB2015eb")[:2]                 # ['Gen', 'Exod']
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import NamedTuple

from zoo.errors import ZooError
from zoo.io import write_atomically

SWORD_ROOT = Path("/usr/share/sword")
ENGLISH = "engWEB2015eb"
SPANISH = "spaRV1909eb"
PACKAGES = {ENGLISH: "sword-text-web", SPANISH: "sword-text-sparv"}
CACHE_DIR = Path(os.environ.get("ZOO_CACHE", Path(__file__).resolve().parents[2] / ".cache")) / "bible"
_NOTE = re.compile(r"<note\b.*?</note>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_SEPARATOR = "\x1e"


class Verse(NamedTuple):
    chapter: int
    verse: int
    text: str


def clean_verse(markup: str) -> str:
    """Plain text of one verse's OSIS markup, without footnotes or cross-references."""
    text = _TAG.sub("", _NOTE.sub(" ", markup))
    text = _SPACE.sub(" ", text).strip()
    return re.sub(r" ([,.;:!?’”)])", r"\1", text)


@functools.cache
def _bible(module: str):
    if not (SWORD_ROOT / "mods.d" / f"{module}.conf").is_file():
        package = PACKAGES.get(module, "the SWORD module's package")
        raise ZooError(
            f"the Bible module {module} is not installed ({SWORD_ROOT}/mods.d/{module}.conf missing); "
            f"install the Debian package {package} (`make install` does)"
        )
    from pysword.modules import SwordModules

    modules = SwordModules(str(SWORD_ROOT))
    modules.parse_modules()
    return with_block_cache(modules.get_bible_from_module(module))


def with_block_cache(bible):
    """`bible` reading each compressed block once: pysword inflates a verse's whole block (a
    book, in these modules) again for every verse it reads, 9 of every 10 seconds of extracting a
    Bible. Its `_decompressed_text(testament, block)` is private; tests/translation/
    test_translation_data.py fails loudly if it goes or changes."""
    bible._decompressed_text = functools.lru_cache(maxsize=4)(bible._decompressed_text)
    return bible


@functools.cache
def _books(module: str) -> dict:
    structure = _bible(module).get_structure().get_books()
    return {book.osis_name: book for testament in ("ot", "nt") for book in structure.get(testament, [])}


def book_names(module: str) -> list[str]:
    """OSIS names of the module's books, in canonical order."""
    return list(_books(module))


def book_verses(module: str, name: str) -> list[Verse]:
    """Every non-empty verse of one book, extracted on first use and cached."""
    path = CACHE_DIR / module / f"{name}.tsv"
    if not path.is_file():
        if name not in _books(module):
            raise ZooError(f"{module} has no book {name!r}; its books: {', '.join(book_names(module))}")
        book = _books(module)[name]
        markup = _bible(module).get(books=[name], clean=False, join=_SEPARATOR).split(_SEPARATOR)
        references = [(c + 1, v + 1) for c, length in enumerate(book.chapter_lengths) for v in range(length)]
        lines = [f"{c}\t{v}\t{text}" for (c, v), text in zip(references, map(clean_verse, markup)) if text]
        write_atomically(path, "".join(line + "\n" for line in lines))
    verses = []
    for line in path.read_text().splitlines():
        chapter, verse, text = line.split("\t", 2)
        verses.append(Verse(int(chapter), int(verse), text))
    return verses
