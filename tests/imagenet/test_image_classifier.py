"""The classifier task: the gate keeps the backbone frozen for `frozen_epochs`, the layer-wise
rates follow the blocks, and the `classify` export answers as the in-process model does through
the session loader (TF Serving's path) and tf.saved_model.load."""
import io

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import zoo
from serving.export.exporter import export
from serving.saved_model import SessionModel

TINY = {"image_size": 32, "batch_size": 35, "epochs": 2, "frozen_epochs": 1, "dropout": 0.0}


@pytest.fixture(scope="module")
def scratch_task():
    return zoo.get_task("face_classifier_scratch", **TINY)


def jpeg(size, color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_backbone_learns_only_after_the_frozen_epochs(scratch_task):
    task = zoo.get_task("face_classifier_scratch", **TINY)
    keras.utils.set_random_seed(0)
    model = task.build_model()
    task.compile(model)
    splits = task.datasets()
    backbone, head = model.get_layer("backbone"), model.get_layer("predictions")
    stem, head_kernel = backbone.get_layer("stem_conv").kernel.numpy(), head.kernel.numpy()
    model.fit(splits.train, epochs=1, verbose=0)
    assert model.get_layer("freeze_gate").steps.numpy() == 4  # 140 images, batches of 35
    np.testing.assert_array_equal(backbone.get_layer("stem_conv").kernel.numpy(), stem)
    assert np.abs(head.kernel.numpy() - head_kernel).max() > 1e-4
    model.fit(splits.train, epochs=1, verbose=0)
    assert np.abs(backbone.get_layer("stem_conv").kernel.numpy() - stem).max() > 1e-5


def test_pretrained_batch_norms_keep_their_imagenet_statistics():
    """Trained or not, the pretrained network computes the same (batch norms in inference mode),
    while the from-scratch one normalizes by the batch in training."""
    images = np.random.default_rng(0).uniform(size=(4, 64, 64, 3)).astype("float32")
    for name, same in (("face_classifier", True), ("face_classifier_scratch", False)):
        model = zoo.get_task(name, image_size=64, dropout=0.0).build_model()
        difference = np.abs(model(images, training=True) - model(images, training=False)).max()
        assert (difference < 1e-5) == same, (name, difference)


def test_layerwise_rates_decay_block_by_block_below_the_head():
    task = zoo.get_task("face_classifier_scratch", **{**TINY, "backbone_lr_scale": 0.1, "layer_decay": 0.5})
    model = task.build_model()
    task.compile(model)
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    backbone = model.get_layer("backbone")
    rate = {name: optimizer.multiplier(backbone.get_layer(name).kernel)
            for name in ("stem_conv", "block1a_dwconv", "block7a_project", "top_conv")}
    assert rate == pytest.approx({"top_conv": 0.1, "block7a_project": 0.05, "block1a_dwconv": 0.1 * 0.5 ** 16,
                                  "stem_conv": 0.1 * 0.5 ** 17})
    assert optimizer.multiplier(model.get_layer("predictions").kernel) == 1.0


def test_classify_export_matches_in_process_through_both_loaders(scratch_task, tmp_path):
    model = scratch_task.build_model()
    endpoint = scratch_task.endpoints(model)[0]
    result = export(model, [endpoint], tmp_path / "face_classifier", verify=False)
    images = np.array([*scratch_task.split.test.image_bytes[:3], jpeg((300, 170), "orange")], dtype=object)
    expected = endpoint(image_bytes=images)
    assert expected["classes"].shape == (4, 2) and set(expected["classes"].ravel()) <= {b"face", b"not a face"}
    np.testing.assert_allclose(expected["probabilities"].sum(axis=1), 1.0, rtol=1e-5)
    assert (np.diff(expected["probabilities"], axis=1) <= 0).all()
    session = SessionModel.load(result.path)
    try:
        served = session.run("serving_default", {"image_bytes": images})
    finally:
        session.close()
    loaded = tf.saved_model.load(str(result.path)).signatures["classify"](image_bytes=tf.constant(images.tolist()))
    for outputs in (served, {key: value.numpy() for key, value in loaded.items()}):
        np.testing.assert_array_equal(outputs["classes"], expected["classes"])
        np.testing.assert_array_equal(outputs["class_ids"], expected["class_ids"])
        np.testing.assert_allclose(outputs["probabilities"], expected["probabilities"], atol=1e-5)


@pytest.mark.slow
def test_imagenet_classifier_names_photos_when_served(tmp_path):
    task = zoo.get_task("image_classifier")
    model = task.build_model()
    result = export(model, task.endpoints(model), tmp_path / "image_classifier")
    assert result.verification.ok
    session = SessionModel.load(result.path)
    try:
        served = session.run("classify", {"image_bytes": task.split.test.image_bytes})
    finally:
        session.close()
    assert [c.decode() for c in served["classes"][:, 0]][:4] == ["espresso", "Egyptian_cat", "cheetah", "lion"]
