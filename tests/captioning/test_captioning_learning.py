"""A short training run on the real emoji renders beats the best constant caption on BLEU, and
beam search of width 1 is greedy decoding."""
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.captioning.decoding import beam_decode, caption_log_prob, greedy_decode
from zoo.captioning.images import decode_images
from zoo.captioning.task import bleu_scores, most_frequent_caption
from zoo.training import train


def test_trained_captions_beat_the_most_frequent_caption(tiny_run):
    task = tiny_run.task
    test = task.split.test
    baseline = bleu_scores([most_frequent_caption(task.split.train.captions)] * len(test), test.captions)
    greedy = bleu_scores(task.caption_files(tiny_run.model, test, beam_width=1), test.captions)
    print(f"\ntiny run ({tiny_run.seconds:.1f} s): baseline {baseline}, greedy {greedy}")
    assert greedy["bleu_2"] > baseline["bleu_2"] + 0.5
    assert greedy["bleu_4"] > baseline["bleu_4"] + 0.2


def test_beam_width_one_is_greedy_decoding(tiny_run):
    task, model = tiny_run.task, tiny_run.model
    files = task.split.test.files[:24]
    images = decode_images(tf.constant([open(f, "rb").read() for f in files]), task.config.image_size)
    grid = model.get_layer("image_encoder")(images)
    decoder = model.get_layer("caption_decoder")
    greedy = greedy_decode(decoder, grid).numpy()
    beam, log_prob = beam_decode(decoder, grid, 1)
    np.testing.assert_array_equal(beam.numpy(), greedy)
    np.testing.assert_allclose(log_prob.numpy(), caption_log_prob(decoder, grid, greedy).numpy(), atol=1e-4)
    wider, wider_log_prob = beam_decode(decoder, grid, 4)
    assert np.all(wider_log_prob.numpy() >= log_prob.numpy() - 1e-4), "a wider beam never finds a less likely caption"
    assert np.all((greedy[:, 0] > 3)), "the first word is a real word, never padding, unknown or start"


def test_endpoint_outputs_are_consistent(tiny_run):
    outputs = tiny_run.endpoint(**tiny_run.endpoint.examples)
    vocabulary = tiny_run.model.get_layer("caption_decoder").vocabulary
    for caption, ids, attention in zip(outputs["caption"], outputs["token_ids"], outputs["attention"]):
        words = [vocabulary[i] for i in ids if i > 3]
        assert caption.decode() == " ".join(words)
        kept = ids >= 0
        np.testing.assert_allclose(attention[kept].sum(axis=(1, 2)), 1.0, atol=1e-4)
        assert np.all(attention[~kept] == 0)


def test_evaluate_writes_bleu_and_example_picture(tiny_run, tmp_path):
    report = tiny_run.task.evaluate(tiny_run.model, tmp_path)
    assert {"baseline_bleu_4", "greedy_bleu_4", "beam_bleu_4"} <= set(report.metrics)
    assert all(path.is_file() for path in report.files)
    assert "BLEU-4" in report.tables["bleu"] and (tmp_path / "examples.png").stat().st_size > 10_000
    assert (tmp_path / "attention.png").stat().st_size > 10_000


@pytest.mark.slow
def test_default_model_beats_the_most_frequent_caption(tmp_path):
    """The quickstart config (a few CPU minutes): greedy captions beat the constant on BLEU-1..4."""
    task = zoo.get_task("image_captioning")
    model = train(task, tmp_path, verbose=0)
    metrics = task.evaluate(model, tmp_path / "evaluation").metrics
    print({key: round(value, 2) for key, value in metrics.items()})
    for n in (1, 2, 3, 4):
        assert metrics[f"greedy_bleu_{n}"] > metrics[f"baseline_bleu_{n}"]
