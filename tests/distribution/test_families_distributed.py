"""Every family trains under MirroredStrategy on 2 logical CPUs: keras-hub BERT with the three
fine-tuning techniques and GPT-2 match a 1-device run with the same global batch; the
Transformer translator (whose odd-sized batches split unevenly) and the captioner (whose CNN has
BatchNormalization, with statistics per replica) follow the 1-device run's losses within 1%."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distribution_helpers import load_weights, max_difference, replicas, run_training

FINETUNE_WORKER = Path(__file__).with_name("finetune_worker.py")
TINY_GPT2 = ("gpt2_generate", "num_layers=2", "num_heads=2", "hidden_dim=32", "intermediate_dim=64", "dropout=0.0",
             "sequence_length=32", "pretrain_chars=60000", "batch_size=8", "steps_per_epoch=6", "epochs=2")
TINY_TRANSLATOR = ("translation_transformer", "corpus=numbers", "phrasebooks=[]", "num_layers=1", "units=32", "num_heads=2",
                   "intermediate_dim=64", "embedding_dim=32", "dropout=0.0", "vocabulary_size=400", "source_length=16",
                   "target_length=16", "max_output_tokens=15", "batch_size=32", "steps_per_epoch=20", "epochs=2")
TINY_CAPTIONER = ("image_captioning", "backbone=small_cnn", "pretrained=false", "image_size=32", "embed_dim=64",
                  "num_layers=1", "num_heads=2", "intermediate_dim=128", "min_word_count=2", "dropout=0.0",
                  "max_tokens=10", "epochs=2", "flip=0.0", "rotation=0.0", "color_jitter=0.0")


def losses(workdir: Path, task: str) -> list[float]:
    rows = (workdir / task / "history.csv").read_text().splitlines()
    column = rows[0].split(",").index("loss")
    return [float(row.split(",")[column]) for row in rows[1:]]


def finetune(cpu_devices: int, weights: Path) -> dict:
    result = subprocess.run([sys.executable, str(FINETUNE_WORKER), str(cpu_devices), str(weights)],
                            capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.slow
def test_bert_with_llrd_reinit_and_swa_matches_one_device(tmp_path):
    one, two = finetune(1, tmp_path / "one.npz"), finetune(2, tmp_path / "two.npz")
    assert (one["replicas"], two["replicas"]) == (1, 2)
    for run in (one, two):
        assert run["reinitialized"] > 0 and run["distinct_multipliers"] == 3 and run["swa_count"] == 4
        assert run["loss"][-1] < run["loss"][0]
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert max_difference(load_weights(tmp_path / "one.npz"), load_weights(tmp_path / "two.npz")) < 1e-5


@pytest.mark.slow
def test_gpt2_matches_one_device(tmp_path):
    one = run_training("mirrored", 1, tmp_path / "one", tmp_path / "one.npz", *TINY_GPT2)
    two = run_training("mirrored", 2, tmp_path / "two", tmp_path / "two.npz", *TINY_GPT2)
    assert (replicas(one), replicas(two)) == (1, 2)
    assert max_difference(load_weights(tmp_path / "one.npz"), load_weights(tmp_path / "two.npz")) < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("settings", [TINY_TRANSLATOR, TINY_CAPTIONER], ids=["translator", "captioner"])
def test_follows_one_device(tmp_path, settings):
    one = run_training("mirrored", 1, tmp_path / "one", tmp_path / "one.npz", *settings)
    two = run_training("mirrored", 2, tmp_path / "two", tmp_path / "two.npz", *settings)
    assert (replicas(one), replicas(two)) == (1, 2)
    loss_one, loss_two = losses(tmp_path / "one", settings[0]), losses(tmp_path / "two", settings[0])
    assert loss_one[-1] < loss_one[0] and loss_two[-1] < loss_two[0]
    assert loss_two == pytest.approx(loss_one, rel=0.01)
