import keras
import numpy as np
import pytest

from zoo.autoencoders.data import load_images, make_dataset, split_images
from zoo.autoencoders.models import Sampling, build_autoencoder
from zoo.errors import ZooError


@pytest.mark.parametrize("kind", ["dense", "conv", "denoising", "variational"])
@pytest.mark.parametrize("image_shape", [(8, 8, 1), (25, 25, 1)])
def test_shapes(kind, image_shape):
    model = build_autoencoder(kind, image_shape, code_size=3)
    batch = np.random.default_rng(0).random((5, *image_shape), dtype="float32")
    assert model(batch).shape == (5, *image_shape)
    codes = model.get_layer("encoder")(batch)
    if kind == "variational":
        assert [c.shape for c in codes] == [(5, 3), (5, 3)]
    else:
        assert codes.shape == (5, 3)
    assert model.get_layer("decoder")(np.zeros((2, 3), "float32")).shape == (2, *image_shape)
    outputs = np.asarray(model(batch))
    assert outputs.min() >= 0 and outputs.max() <= 1


def test_bad_builder_arguments():
    with pytest.raises(ZooError, match="code_size must be a positive integer"):
        build_autoencoder("conv", (8, 8, 1), 0)
    with pytest.raises(ZooError, match="unknown autoencoder kind 'pca'"):
        build_autoencoder("pca", (8, 8, 1), 2)


def test_sampling_adds_kl_and_is_deterministic_at_inference():
    layer = Sampling(kl_weight=1.0, seed=1)
    mean = np.array([[1.0, -1.0]], "float32")
    log_var = np.zeros((1, 2), "float32")
    np.testing.assert_array_equal(layer([mean, log_var], training=False), mean)
    # KL(N(m, 1) || N(0, 1)) = m^2 / 2 summed over dimensions
    assert float(layer.losses[-1]) == pytest.approx(1.0)
    sample = np.asarray(layer([mean, log_var], training=True))
    assert not np.allclose(sample, mean)


@pytest.mark.parametrize("kind", ["dense", "conv", "variational"])
def test_save_and_load_round_trip(kind, tmp_path):
    model = build_autoencoder(kind, (8, 8, 1), code_size=2)
    batch = load_images("digits")[0][:4]
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)


@pytest.mark.parametrize("kind", ["dense", "conv", "denoising", "variational"])
def test_short_training_on_real_digits_lowers_the_loss(kind):
    keras.utils.set_random_seed(0)
    split = split_images(*load_images("digits"))
    noise = 0.3 if kind == "denoising" else 0.0
    model = build_autoencoder(kind, (8, 8, 1), code_size=8)
    model.compile(keras.optimizers.Adam(2e-3), "mse")
    history = model.fit(make_dataset(split.train.images, 32, shuffle=True, noise_std=noise), epochs=6, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < 0.75 * losses[0], losses
    test_mse = float(np.mean((model.predict(split.test.images, verbose=0) - split.test.images) ** 2))
    assert test_mse < float(np.var(split.test.images)), "worse than predicting the mean pixel"


def test_data_is_real_and_split_deterministically():
    images, labels = load_images("digits")
    assert images.shape == (1797, 8, 8, 1) and images.min() == 0 and images.max() == 1
    assert sorted(set(labels.tolist())) == list(range(10))
    faces, face_labels = load_images("faces")
    assert faces.shape == (200, 25, 25, 1) and face_labels.sum() == 100
    a, b = split_images(images, labels, seed=3), split_images(images, labels, seed=3)
    np.testing.assert_array_equal(a.test.images, b.test.images)
    assert len(a.train.images) + len(a.validation.images) + len(a.test.images) == 1797


def test_denoising_pipeline_pairs_noisy_inputs_with_clean_targets():
    images = load_images("digits")[0][:64]
    noisy, clean = next(iter(make_dataset(images, 64, noise_std=0.3)))
    np.testing.assert_array_equal(clean, images)
    difference = np.asarray(noisy) - images
    assert 0.15 < float(np.std(difference)) < 0.3
    assert float(np.min(noisy)) >= 0 and float(np.max(noisy)) <= 1
