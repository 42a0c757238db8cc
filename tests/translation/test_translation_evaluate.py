"""`evaluate` writes BLEU / chrF, samples, an attention map, and the comparison of the three
architectures trained with the same data and budget."""
import json

import pytest
from translation_helpers import tiny_task


@pytest.mark.slow
def test_evaluate_compares_the_three_architectures(trained, tmp_path):
    task = tiny_task(units=64, embedding_dim=32, steps_per_epoch=150, compare=True, comparison_workdir=str(tmp_path / "models"),
                     eval_sentences=100)
    report = task.evaluate(trained.model, tmp_path / "evaluation")
    assert set(report.metrics) == {"test_bleu", "test_chrf", "constant_output_bleu", "constant_output_chrf"}
    assert report.metrics["test_bleu"] > report.metrics["constant_output_bleu"]
    rows = json.loads((tmp_path / "evaluation" / "comparison.json").read_text())
    assert [row[0] for row in rows] == ["translation_rnn", "translation_attention", "translation_transformer", "constant output"]
    assert all(row[3] == 150 for row in rows[:3])                       # the same training budget
    assert "| translation_transformer |" in report.tables["comparison"] and "samples" in report.tables
    assert (tmp_path / "evaluation" / "attention.png").stat().st_size > 1000
    # the comparators' configs are not the registered defaults, so they train beside the evaluation
    assert not (tmp_path / "models").exists() and (tmp_path / "evaluation" / "comparison" / "translation_rnn" / "model.keras").is_file()
