"""Training batches from a user's spa-eng.txt file: numeric, padded, shifted and weighted."""
import numpy as np
from translation_helpers import tiny_task

from zoo.translation import corpus
from zoo.translation.tokenizer import END, PAD, START


def test_batches_are_int_ids_with_shifted_targets_and_weights_on_real_tokens(tmp_path):
    path = tmp_path / "spa-eng.txt"
    pairs = corpus.number_and_name_pairs()[:400]
    path.write_text("".join(f"{p.target}\t{p.source}\tCC-BY\n" for p in pairs))
    task = tiny_task(corpus="file", pairs_path=str(path), validation_size=20, test_size=20, vocabulary_size=200)
    assert len(task.split.train) == len(corpus.clean_pairs(pairs, 24, 2.0)) - 40 and task.split.test[0] in pairs
    x, y, weights = (np.asarray(t) if not isinstance(t, dict) else {k: np.asarray(v) for k, v in t.items()}
                     for t in next(iter(task.datasets().train)))
    assert x["source_ids"].shape == x["target_ids"].shape == y.shape == weights.shape == (32, 16)
    assert x["source_ids"].dtype == x["target_ids"].dtype == y.dtype == np.int32
    real = y != PAD
    lengths = real.sum(1)
    assert (x["target_ids"][:, 0] == START).all() and (y[np.arange(32), lengths - 1] == END).all()
    pieces = real[:, :-1] & (y[:, :-1] != END)
    np.testing.assert_array_equal(x["target_ids"][:, 1:][pieces], y[:, :-1][pieces])   # the same pieces, shifted by one
    assert (x["source_ids"] == END).sum(1).tolist() == [1] * 32
    assert (weights[~real] == 0).all() and np.isclose(weights.sum(), weights.size)   # mean over real tokens
