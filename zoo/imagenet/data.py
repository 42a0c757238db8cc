"""Labelled images for the ImageNet-network tasks, as encoded bytes (the endpoint's input), so
training, evaluation and serving decode them the same way.

- `imagenet`: sample photos that ship with scikit-image, gradio and matplotlib, each with the
  ImageNet classes that name it (no ImageNet images ship offline; these score the published head).
- `faces`: scikit-image's LFW subset, 200 grayscale 25x25 crops: 100 faces (label 1), 100 not.

    split = load_split("faces", seed=0)          # Splits of LabelledImages, 70/15/15
    split.train.image_bytes[0], split.train.labels[0]
"""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np

from zoo.errors import ZooError
from zoo.task import Splits

SAMPLE_PHOTOS = (
    # package, file inside it, accepted ImageNet class ids (the first is the label)
    ("skimage", "data/coffee.png", (967,)),                   # espresso
    ("skimage", "data/chelsea.png", (281, 282, 285)),         # tabby, tiger cat, Egyptian cat
    ("gradio", "media_assets/images/cheetah.jpg", (293,)),    # cheetah
    ("gradio", "media_assets/images/lion.jpg", (291,)),       # lion
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", (652,)),  # military uniform
)
FACE_CLASSES = ("not a face", "face")


@dataclasses.dataclass(frozen=True)
class LabelledImages:
    """Encoded images, their integer labels and, per image, every label counted as right."""

    image_bytes: np.ndarray
    labels: np.ndarray
    accepted: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.labels)


def sample_photo_path(package: str, file: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ZooError(f"sample photo {file} needs the package {package}; install requirements.txt")
    return Path(spec.submodule_search_locations[0]) / file


def sample_photos() -> LabelledImages:
    """The labelled sample photos (see the module doc)."""
    data = [sample_photo_path(package, file).read_bytes() for package, file, _ in SAMPLE_PHOTOS]
    accepted = tuple(classes for _, _, classes in SAMPLE_PHOTOS)
    return LabelledImages(np.array(data, dtype=object), np.array([c[0] for c in accepted], "int32"), accepted)


def face_images(seed: int = 0) -> Splits[LabelledImages]:
    """The LFW subset as PNG bytes, split 70/15/15 by seed."""
    from zoo.autoencoders.data import load_images, split_images
    from zoo.imagenet.preprocessing import photo_png

    split = split_images(*load_images("faces"), seed=seed)

    def encode(part) -> LabelledImages:
        pngs = [photo_png(np.repeat(np.round(image * 255), 3, axis=-1)) for image in part.images]
        return LabelledImages(np.array(pngs, dtype=object), part.labels, tuple((int(y),) for y in part.labels))

    return Splits(encode(split.train), encode(split.validation), encode(split.test))


def load_split(dataset: str, seed: int = 0) -> Splits[LabelledImages]:
    """The dataset's train/validation/test parts; `imagenet` has only photos to test on (all three)."""
    if dataset == "imagenet":
        photos = sample_photos()
        return Splits(photos, photos, photos)
    if dataset == "faces":
        return face_images(seed)
    raise ZooError(f"unknown dataset {dataset!r}; available: imagenet, faces")
