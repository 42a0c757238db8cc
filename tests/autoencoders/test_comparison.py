import numpy as np
import pytest

from zoo.autoencoders.comparison import autoencoder_mse, compare_with_pca, pca_mse
from zoo.autoencoders.data import load_images, split_images
from zoo.plots import save_lines

SPLIT = split_images(*load_images("digits"), seed=0)


def svd_pca_mse(code_size: int) -> float:
    """PCA done by hand: centre, keep the top principal directions, project back."""
    train = SPLIT.train.images.reshape(len(SPLIT.train.images), -1).astype("float64")
    test = SPLIT.test.images.reshape(len(SPLIT.test.images), -1).astype("float64")
    mean = train.mean(axis=0)
    directions = np.linalg.svd(train - mean, full_matrices=False)[2][:code_size]
    reconstruction = (test - mean) @ directions.T @ directions + mean
    return float(np.mean((test - reconstruction) ** 2))


@pytest.mark.parametrize("code_size", [1, 2, 8, 32])
def test_pca_error_matches_a_hand_computed_projection(code_size):
    assert pca_mse(SPLIT, code_size) == pytest.approx(svd_pca_mse(code_size), rel=1e-5)


def test_pca_error_falls_with_code_size_and_vanishes_at_full_size():
    errors = [pca_mse(SPLIT, k) for k in (1, 2, 4, 8, 16, 32, 64)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 1e-10


def test_conv_autoencoder_beats_pca_at_a_two_number_code():
    ae = autoencoder_mse(SPLIT, "conv", 2, epochs=40, batch_size=32, learning_rate=2e-3)
    pca = pca_mse(SPLIT, 2)
    assert ae < 0.8 * pca, (ae, pca)


def test_comparison_rows_and_plot(tmp_path):
    rows = compare_with_pca(SPLIT, "dense", [2, 4], epochs=2)
    assert [r.code_size for r in rows] == [2, 4]
    assert [r.pca_mse for r in rows] == pytest.approx([svd_pca_mse(2), svd_pca_mse(4)], rel=1e-5)
    assert all(r.ratio == pytest.approx(r.autoencoder_mse / r.pca_mse) for r in rows)
    path = save_lines(tmp_path / "c.png", [2, 4], {"PCA": [r.pca_mse for r in rows]}, "t", "x", "y", log_y=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_writes_metrics_table_and_figures(trained_run, tmp_path):
    report = trained_run.task.evaluate(trained_run.model, tmp_path)
    split = trained_run.task.split
    reconstructed = trained_run.model.predict(split.test.images, verbose=0)
    assert report.metrics["test_mse"] == pytest.approx(float(np.mean((reconstructed - split.test.images) ** 2)), rel=1e-4)
    assert report.metrics["pca_test_mse"] == pytest.approx(svd_pca_mse(4), rel=1e-5)
    table = report.tables["comparison"].splitlines()
    assert table[0] == "| code size | PCA MSE | conv autoencoder MSE | autoencoder / PCA |"
    assert [line.split("|")[1].strip() for line in table[2:]] == ["2", "8"]
    assert {p.name for p in report.files} == {"reconstructions.png", "latent_space.png", "comparison.csv", "comparison.png"}
    assert all(p.read_bytes()[:4] == b"\x89PNG" and p.stat().st_size > 5000 for p in report.files if p.suffix == ".png")
    with open(tmp_path / "comparison.csv") as handle:
        rows = list(__import__("csv").reader(handle))
    assert [row[0] for row in rows[1:]] == ["2", "8"]
    assert float(rows[1][1]) == pytest.approx(svd_pca_mse(2), rel=1e-5)
