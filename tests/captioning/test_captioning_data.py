"""Renders, captions, the Flickr8k-format reader, tokenization and augmentation."""
import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import load_captioned_images, split_images
from zoo.captioning.pipeline import make_dataset, swap_left_right
from zoo.captioning.tokenizer import END_ID, START_ID, CaptionTokenizer, build_vocabulary
from zoo.errors import ZooError


def test_emoji_renders_carry_their_unicode_names():
    data = load_captioned_images("emoji")
    assert len(data) > 1200
    captions = dict(zip((f.rsplit("/", 1)[1] for f in data.files), data.captions))
    assert captions["u1f601.png"] == ["grinning face with smiling eyes"]
    picture = np.asarray(Image.open(data.files[0]))
    assert picture.shape == (96, 96, 3) and picture.min() < 200 and picture[0, 0].tolist() == [255, 255, 255]
    split = split_images(data, seed=0)
    assert len(split.train) + len(split.validation) + len(split.test) == len(data)
    assert not set(split.train.files) & set(split.test.files)
    assert split_images(data, seed=0).test.files == split.test.files


def test_flickr8k_format_folder(tmp_path):
    for name in ("a.png", "b.png"):
        Image.new("RGB", (20, 30), "red").save(tmp_path / name)
    captions = tmp_path / "captions.txt"
    captions.write_text("a.png#0\tA Red square.\na.png#1\tred box\nb.png#0\tanother red picture\n")
    data = load_captioned_images("folder", 0, str(tmp_path), str(captions))
    assert data.captions == [["a red square", "red box"], ["another red picture"]]
    captions.write_text("c.png#0\tmissing\n")
    with pytest.raises(ZooError, match="not in"):
        load_captioned_images("folder", 0, str(tmp_path), str(captions))
    with pytest.raises(ZooError, match="captions_file"):
        load_captioned_images("folder", 0, str(tmp_path), "")


def test_a_negative_length_penalty_is_a_clear_error():
    with pytest.raises(ZooError, match="'length_penalty' must be >= 0"):
        CaptioningConfig(length_penalty=-1.0)


def test_tokenizer_round_trip():
    vocabulary = build_vocabulary(["a red apple", "a green apple", "a pear"], min_count=2)
    assert vocabulary[4:] == ["a", "apple"]
    tokenizer = CaptionTokenizer(vocabulary, max_tokens=6)
    ids = tokenizer.tokenize(tf.constant(["A red Apple!", "a a a a a a a"])).numpy()
    assert ids[0].tolist() == [START_ID, 4, 1, 5, END_ID, 0]
    assert ids[1].tolist() == [START_ID, 4, 4, 4, 4, END_ID]
    assert tokenizer.detokenize(ids[:, 1:]).numpy().tolist() == [b"a [UNK] apple", b"a a a a"]


def test_flips_swap_left_and_right_in_the_caption():
    swapped = swap_left_right(tf.constant(["black left-pointing triangle", "leftwards arrow to the right", "bright light"]))
    assert swapped.numpy().tolist() == [b"black right-pointing triangle", b"rightwards arrow to the left", b"bright light"]


def test_augmented_batches_are_valid_and_vary():
    data = load_captioned_images("emoji")
    split = split_images(data)
    config = CaptioningConfig(image_size=32, batch_size=16)
    tokenizer = CaptionTokenizer(build_vocabulary(c[0] for c in split.train.captions), config.max_tokens)
    train = make_dataset(split.train.subset(np.arange(16)), tokenizer, config, training=True)
    first, second = [next(iter(train))[0]["images"].numpy() for _ in range(2)]
    assert first.shape == (16, 32, 32, 3) and 0 <= first.min() and first.max() <= 1
    plain = next(iter(make_dataset(split.train.subset(np.arange(16)), tokenizer, config)))
    inputs, targets, weights = plain
    assert inputs["token_ids"].dtype == tf.int32 and inputs["images"].dtype == tf.float32
    np.testing.assert_array_equal(inputs["token_ids"].numpy()[:, 1:], targets.numpy()[:, :-1])
    assert np.all(weights.numpy() == (targets.numpy() != 0))
    assert not np.allclose(np.sort(first.reshape(16, -1).mean(1)), np.sort(inputs["images"].numpy().reshape(16, -1).mean(1)))


def test_clipart_titles_become_captions_and_svgs_render():
    from zoo.captioning.data import CLIPART_ROOT, RENDER_SIZE, _render_svg, clipart_captions

    svg = next(CLIPART_ROOT.rglob("alarm_clock_gerald_g._01.svg"))
    assert clipart_captions(svg) == ["alarm clock"]
    picture = np.asarray(Image.open(io.BytesIO(_render_svg(str(svg)))))
    assert picture.shape == (RENDER_SIZE, RENDER_SIZE, 3) and picture.min() < 100
