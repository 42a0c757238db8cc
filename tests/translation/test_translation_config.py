"""Bad configs are refused with a ZooError that says what was wrong and what is expected."""
import pytest

import zoo
from zoo.errors import ZooError


@pytest.mark.parametrize("name, overrides, message", [
    ("translation_rnn", {"corpus": "file"}, "corpus 'file' needs pairs_path"),
    ("translation_rnn", {"pairs_path": "spa-eng.txt"}, "pairs_path is only read with corpus 'file'"),
    ("translation_rnn", {"corpus": "wmt"}, "must be one of"),
    ("translation_rnn", {"cell": "rnn"}, "must be one of"),
    ("translation_rnn", {"units": 0}, "'units' must be at least 1"),
    ("translation_rnn", {"dropout": 1.0}, "'dropout' must be in"),
    ("translation_rnn", {"max_output_tokens": 40}, "must be below target_length"),
    ("translation_rnn", {"steps_per_epoch": -1}, "steps_per_epoch"),
    ("translation_transformer", {"units": 130}, "divisible by num_heads"),
    ("translation_transformer", {"attention": "dot"}, "RNN settings"),
    ("translation_attention", {"vocab_size": 100}, "has no field"),
    ("translation_attention", {"length_penalty": -0.5}, "'length_penalty' must be >= 0"),
])
def test_bad_config_is_a_clear_error(name, overrides, message):
    with pytest.raises(ZooError, match=message):
        zoo.get_task(name, **overrides)


def test_a_missing_pairs_file_is_a_clear_error(tmp_path):
    task = zoo.get_task("translation_rnn", corpus="file", pairs_path=str(tmp_path / "spa-eng.txt"))
    with pytest.raises(ZooError, match="does not exist; expected a tab-separated file"):
        task.split


def test_a_corpus_too_small_for_the_split_is_a_clear_error(tmp_path):
    path = tmp_path / "spa-eng.txt"
    path.write_text("Hi.\tHola.\nGo.\tVe.\n")
    task = zoo.get_task("translation_rnn", corpus="file", pairs_path=str(path), validation_size=1, test_size=1)
    with pytest.raises(ZooError, match="has 2 pairs after cleaning, too few"):
        task.split


def test_the_three_tasks_are_registered_with_their_architectures():
    configs = {name: zoo.get_task(name).config for name in ("translation_rnn", "translation_attention", "translation_transformer")}
    assert [c.architecture for c in configs.values()] == ["rnn", "rnn", "transformer"]
    assert [c.attention for c in configs.values()] == ["none", "dot", "none"]
