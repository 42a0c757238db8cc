"""The default encoder is the pretrained EfficientNet-Lite0: frozen, its grid the decoder's keys."""
import numpy as np

from zoo.captioning.config import CaptioningConfig
from zoo.captioning.models import build_image_encoder
from zoo.imagenet.models import efficientnet_backbone


def test_pretrained_encoder_is_frozen_and_carries_the_imagenet_weights():
    encoder = build_image_encoder(CaptioningConfig(image_size=64, embed_dim=32))
    backbone = encoder.get_layer("efficientnet_lite0").get_layer("backbone")
    reference = efficientnet_backbone("imagenet")
    np.testing.assert_array_equal(backbone.get_layer("block4b_dwconv").kernel, reference.get_layer("block4b_dwconv").kernel)
    assert backbone.trainable_variables == [] and len(backbone.weights) > 200
    assert {v.path.split("/")[0] for v in encoder.trainable_variables} == {"grid_projection", "grid_positions", "grid_norm"}
    assert encoder.output_shape == (None, 2 * 2, 32)   # a 2x2 grid at 64 px, projected to embed_dim
    grid = encoder(np.random.default_rng(0).uniform(size=(2, 64, 64, 3)).astype("float32"), training=True)
    assert grid.shape == (2, 4, 32)


def test_top_blocks_can_be_fine_tuned():
    encoder = build_image_encoder(CaptioningConfig(image_size=64, embed_dim=32, trainable_blocks=2))
    backbone = encoder.get_layer("efficientnet_lite0").get_layer("backbone")
    trainable = {v.path.split("_")[0] for v in backbone.trainable_variables}
    assert trainable == {"block7a", "top"}
