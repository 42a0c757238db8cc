"""The parallel corpora: Bible verses aligned by reference, cleaning, splitting, user files, and the
phrasebooks added to the training pairs."""
import pytest

import zoo
from zoo.datasets import bible
from zoo.errors import ZooError
from zoo.translation import corpus
from zoo.task import Splits
from zoo.translation.corpus import Pair


def test_bible_verses_align_by_reference():
    spanish = {(v.chapter, v.verse): v.text for v in bible.book_verses(bible.SPANISH, "Ruth")}
    english = {(v.chapter, v.verse): v.text for v in bible.book_verses(bible.ENGLISH, "Ruth")}
    assert len(spanish) == len(english) == 85
    assert spanish[1, 16].startswith("Y Ruth respondió: No me ruegues que te deje")
    assert english[1, 16].startswith("Ruth said, “Don’t urge me to leave you")
    assert not any("<" in text for text in [*spanish.values(), *english.values()])


def test_each_compressed_block_is_inflated_once(tmp_path, monkeypatch):
    """pysword's private `_decompressed_text(testament, block)` is what `with_block_cache` wraps."""
    import inspect
    import zlib

    from pysword.bible import ZTextModule

    assert list(inspect.signature(ZTextModule._decompressed_text).parameters) == ["self", "testament", "buf_num"]
    monkeypatch.setattr(bible, "CACHE_DIR", tmp_path)
    bible._bible.cache_clear()   # a fresh module object, with nothing inflated yet
    inflated = []
    monkeypatch.setattr(zlib, "decompress", lambda data, *a, real=zlib.decompress: inflated.append(1) or real(data, *a))
    verses = bible.book_verses(bible.ENGLISH, "Ruth")
    assert len(verses) == 85 and len(inflated) == 1, f"{len(inflated)} blocks inflated for 85 verses"


def test_an_unknown_book_is_a_clear_error():
    with pytest.raises(ZooError, match="has no book 'Tobit'"):
        bible.book_verses(bible.SPANISH, "Tobit")


def test_cleaning_normalizes_deduplicates_and_filters_by_length():
    pairs = [Pair("  Dios   es amor. ", "God is love."), Pair("Dios es amor.", "God is love!"),
             Pair("", "empty"), Pair("uno dos tres cuatro", "one"), Pair("sí", "yes"),
             Pair("palabra " * 30, "word " * 30)]
    assert corpus.clean_pairs(pairs, max_words=24, max_length_ratio=3.0) == [Pair("Dios es amor.", "God is love."), Pair("sí", "yes")]


def test_split_is_deterministic_disjoint_and_complete():
    pairs = corpus.clean_pairs(corpus.number_and_name_pairs(), 24, 3.0)
    split = corpus.split_pairs(pairs, 100, 200, seed=0)
    assert (len(split.train), len(split.validation), len(split.test)) == (len(pairs) - 300, 100, 200)
    assert sorted(split.train + split.validation + split.test) == sorted(pairs)
    assert corpus.split_pairs(pairs, 100, 200, seed=0) == split != corpus.split_pairs(pairs, 100, 200, seed=1)
    with pytest.raises(ZooError, match="too few"):
        corpus.split_pairs(pairs, len(pairs), 1, seed=0)


def test_number_words_and_names_are_deterministic():
    pairs = corpus.number_and_name_pairs()
    assert pairs == corpus.number_and_name_pairs() and len(pairs) > 2500
    assert Pair("veintitrés", "twenty-three") in pairs and Pair("Alemania", "Germany") in pairs
    assert Pair("enero", "January") in pairs


def test_a_spa_eng_file_is_read_english_first(tmp_path):
    path = tmp_path / "spa-eng.txt"
    path.write_text("Go.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org\nHi.\tHola.\n\n")
    assert corpus.file_pairs(path) == [Pair("Ve.", "Go."), Pair("Hola.", "Hi.")]
    path.write_text("no tab here\n")
    with pytest.raises(ZooError, match="line 1 has no tab"):
        corpus.file_pairs(path)
    with pytest.raises(ZooError, match="does not exist"):
        corpus.file_pairs(tmp_path / "missing.txt")


def test_phrasebooks_hold_everyday_spanish_from_packages():
    django = corpus.django_pairs()
    assert Pair("Eliminar", "Delete") in django and len(django) > 600
    assert not any(mark in side for pair in django for side in pair for mark in ("%", "{", "<"))
    dictionary = corpus.dictionary_pairs()
    assert Pair("biblioteca", "library") in dictionary and Pair("libro", "book") in dictionary
    assert Pair("Nueva Gales del Sur", "New South Wales") in dictionary, "run-together words are split at capitals"
    assert len(dictionary) == 4502 and not any(pair.source.startswith("00") for pair in dictionary)
    assert corpus.calendar_pairs()[:2] == [Pair("enero", "January"), Pair("febrero", "February")]
    assert len(corpus.calendar_pairs()) == 19
    assert corpus.phrasebook_pairs(["numbers"])[-1] == Pair("cien", "one hundred")
    with pytest.raises(ZooError, match="unknown phrasebook"):
        corpus.phrasebook_pairs(["bible"])


def test_phrases_join_the_training_pairs_only_and_never_a_held_out_sentence():
    split = Splits(train=[Pair("uno", "one")], validation=[Pair("dos", "two")], test=[Pair("tres", "three")])
    phrases = [Pair("Uno.", "One!"), Pair("cuatro", "four"), Pair("¡Dos!", "2"), Pair("cinco", "Three"),
               Pair("seis", "six"), Pair("hola", "hello"), Pair("Seis", "6")]
    added = corpus.with_phrasebooks(split, phrases, held_out={"hola"})
    assert added.train == [Pair("uno", "one"), Pair("cuatro", "four"), Pair("seis", "six")]
    assert (added.validation, added.test) == (split.validation, split.test)


def test_the_default_task_adds_the_phrasebooks_to_the_bible_verses_and_tests_on_the_same_verses():
    verses, default = zoo.get_task("translation_attention", phrasebooks=[]).split, zoo.get_task("translation_attention").split
    assert (default.validation, default.test) == (verses.validation, verses.test)
    assert default.train[:len(verses.train)] == verses.train and len(default.train) - len(verses.train) > 4000
    assert Pair("biblioteca", "library") in default.train
