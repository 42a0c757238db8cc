"""Captioned images as `tf.data` pipelines for `fit`: decode, augment, tokenize.

Images are decoded by the same in-graph function the `caption` endpoint uses, then cached (as
uint8). Each training epoch pairs every image with one of its captions drawn at random, and
augments it: a horizontal flip (swapping "left" and "right" in the caption, so an arrow's name
stays true), a small rotation on a white background, and color jitter.

    ds = make_dataset(split.train, tokenizer, config, training=True)
    (inputs, targets, weights) = next(iter(ds))
    inputs["images"]     # [B, S, S, 3] float32 in [0, 1]
    inputs["token_ids"]  # [B, T-1] int32: start, words, end, padding
    targets              # [B, T-1] int32: the next id at each position; weights mark non-padding
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import CaptionedImages
from zoo.captioning.images import decode_image
from zoo.captioning.tokenizer import PAD_ID, CaptionTokenizer

_MARK = "\x01"


def swap_left_right(captions: tf.Tensor) -> tf.Tensor:
    """"left" <-> "right" at the start of words ("leftwards" too), as a mirror image reads."""
    marked = tf.strings.regex_replace(captions, r"\bleft", _MARK)
    swapped = tf.strings.regex_replace(marked, r"\bright", "left")
    return tf.strings.regex_replace(swapped, _MARK, "right")


class Augmenter:
    """Random flip (with the caption), rotation and color jitter of one image, seeded."""

    def __init__(self, config: CaptioningConfig):
        self.config = config
        self.generator = tf.random.Generator.from_seed(config.seed)
        self.rotate = keras.layers.RandomRotation(
            config.rotation, fill_mode="constant", fill_value=1.0, seed=config.seed) if config.rotation > 0 else None

    def __call__(self, image: tf.Tensor, caption: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        c = self.config
        flip = self.generator.uniform([]) < c.flip
        image = tf.cond(flip, lambda: tf.image.flip_left_right(image), lambda: image)
        caption = tf.cond(flip, lambda: swap_left_right(caption), lambda: caption)
        if self.rotate is not None:
            image = self.rotate(image, training=True)
        if c.color_jitter > 0:
            jitter = self.generator.uniform([3], -c.color_jitter, c.color_jitter)
            image = tf.image.adjust_brightness(image, jitter[0])
            image = tf.image.adjust_contrast(image, 1.0 + jitter[1])
            image = tf.image.adjust_saturation(image, 1.0 + jitter[2])
        return tf.clip_by_value(image, 0.0, 1.0), caption


def padded_captions(data: CaptionedImages) -> tuple[np.ndarray, np.ndarray]:
    """Captions as an [N, most captions] string array (padded with "") and the count per image."""
    width = max(len(c) for c in data.captions)
    table = np.array([c + [""] * (width - len(c)) for c in data.captions], dtype=object)
    return table, np.array([len(c) for c in data.captions], "int32")


def make_dataset(data: CaptionedImages, tokenizer: CaptionTokenizer, config: CaptioningConfig,
                 training: bool = False) -> tf.data.Dataset:
    """Batches of ({"images", "token_ids"}, next ids, weights); see the module doc."""
    size = config.image_size
    captions, counts = padded_captions(data)
    ds = tf.data.Dataset.from_tensor_slices((data.files, captions, counts))
    ds = ds.map(lambda file, texts, count: (
        tf.image.convert_image_dtype(decode_image(tf.io.read_file(file), size), tf.uint8), texts, count),
        num_parallel_calls=tf.data.AUTOTUNE).cache()
    if training:
        ds = ds.shuffle(len(data), seed=config.seed, reshuffle_each_iteration=True)
        augment = Augmenter(config)
        pick = tf.random.Generator.from_seed(config.seed + 1)

        def example(image, texts, count):
            caption = texts[pick.uniform([], 0, count, dtype=tf.int32)]
            return augment(tf.image.convert_image_dtype(image, tf.float32), caption)
    else:
        def example(image, texts, count):
            return tf.image.convert_image_dtype(image, tf.float32), texts[0]

    def batch_to_training(images, texts):
        ids = tokenizer.tokenize(texts)
        targets = ids[:, 1:]
        return {"images": images, "token_ids": ids[:, :-1]}, targets, tf.cast(targets != PAD_ID, tf.float32)

    ds = ds.map(example).batch(config.batch_size).map(batch_to_training)
    return ds.prefetch(tf.data.AUTOTUNE)
