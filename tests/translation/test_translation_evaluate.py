"""`evaluate` measures its own model only (BLEU / chrF on the test pairs and the everyday
sentences against the constant output, samples, an attention map); the experiment
`translation-comparison` trains the three architectures with the same data and budget under its
workdir and tabulates them."""
import json

import pytest
from translation_helpers import TINY, tiny_task

from zoo.everyday import everyday_items
from zoo.experiments import translation_comparison
from zoo.translation.task import scores


def test_each_sentence_is_scored_against_its_own_references():
    references = [["Where is the library?"], ["I am hungry.", "I'm hungry."], ["Good morning."]]
    assert scores(["Where is the library?", "I'm hungry.", "Good morning."], references) == pytest.approx({"bleu": 100.0, "chrf": 100.0})
    first_only = scores(["Where is the library?", "I'm hungry.", "Good morning."], [refs[:1] for refs in references])
    assert first_only["bleu"] < 100 and first_only["chrf"] < 100
    assert scores(["bocovoke"] * 3, references)["bleu"] == 0.0


def test_evaluate_measures_its_own_model_against_the_constant_output(trained, tmp_path):
    task = tiny_task(units=64, embedding_dim=32, steps_per_epoch=150, eval_sentences=100)
    report = task.evaluate(trained.model, tmp_path / "evaluation")
    assert set(report.metrics) == {"test_bleu", "test_chrf", "constant_output_bleu", "constant_output_chrf",
                                   "everyday_bleu", "everyday_chrf", "constant_output_everyday_bleu",
                                   "constant_output_everyday_chrf"}
    assert report.metrics["test_bleu"] > report.metrics["constant_output_bleu"] + 20
    rows = report.tables["comparison"].splitlines()[2:]
    assert len(rows) == 2 and rows[0].startswith("| translation_attention: bidirectional GRU") and "constant output" in rows[1]
    assert f"{report.metrics['test_bleu']:.2f}" in rows[0] and f"{report.metrics['constant_output_bleu']:.2f}" in rows[1]
    assert rows[0].endswith(f"| {report.metrics['everyday_bleu']:.2f} | {report.metrics['everyday_chrf']:.1f} |")
    assert len(report.tables["samples"].splitlines()) == 2 + 8

    items = everyday_items("translation")
    everyday_rows = [row.split(" | ") for row in report.tables["everyday"].splitlines()[2:]]
    assert [row[0].removeprefix("| ") for row in everyday_rows] == [item["source"] for item in items]
    translations = [row[2].removesuffix(" |") for row in everyday_rows]   # the number words model's guesses
    measured = scores(translations, [item["references"] for item in items])
    assert (report.metrics["everyday_bleu"], report.metrics["everyday_chrf"]) == pytest.approx((measured["bleu"], measured["chrf"]))
    constant, _ = task.constant_baseline()
    on_everyday = scores([constant] * len(items), [item["references"] for item in items])
    assert report.metrics["constant_output_everyday_chrf"] == pytest.approx(on_everyday["chrf"])
    assert report.files == [tmp_path / "evaluation" / "attention.png"] and report.files[0].stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["attention.png", "evaluation"], "nothing else is trained or written"


@pytest.mark.slow
def test_the_comparison_experiment_trains_the_three_under_its_workdir_and_reuses_them(tmp_path):
    settings = [f"{key}={json.dumps(value)}" for key, value in {**TINY, "units": 32, "steps_per_epoch": 100,
                                                                  "eval_sentences": 100}.items()]
    argv = ["--workdir", str(tmp_path / "models"), "--out", str(tmp_path / "out"), *(a for s in settings for a in ("--set", s))]
    assert translation_comparison.main(argv) == 0
    rows = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert [row["task"] for row in rows] == [*translation_comparison.COMPARED, "constant output"]
    assert [row["training_steps"] for row in rows] == [100, 100, 100, 0], "the same training budget"
    assert all(row["training_seconds"] > 0 for row in rows[:3]) and rows[-1]["training_seconds"] is None
    for name in translation_comparison.COMPARED:
        saved = json.loads((tmp_path / "models" / name / "config.json").read_text())
        assert (tmp_path / "models" / name / "model.keras").is_file() and saved["corpus"] == "numbers"
    assert rows[1]["bleu"] > rows[-1]["bleu"], "attention beats the constant output"
    assert "| translation_transformer | Transformer 2+2 layers, width 32, 2 heads |" in (tmp_path / "out" / "comparison.md").read_text()

    assert translation_comparison.main(argv) == 0   # finished runs are loaded, not trained again
    again = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert [row["training_seconds"] for row in again] == [None] * 4
    assert [row["bleu"] for row in again] == pytest.approx([row["bleu"] for row in rows])
