"""The EfficientNet-Lite0 classifier tasks: ImageNet top-5 from the published weights, and
transfer to a small labelled set (frozen head first, then the backbone with layer-wise rates),
with the `classify` endpoint (encoded image bytes in, top-k classes out).

    task = zoo.get_task("image_classifier")              # ImageNet: nothing to train
    model = zoo.train(task)
    classify = task.endpoints(model)[0]
    classify(image_bytes=np.array([open("cat.jpg", "rb").read()], dtype=object))["classes"]   # [[b"tabby", ...]]

    task = zoo.get_task("face_classifier")                # transfer to faces vs non-faces
    report = task.evaluate(zoo.train(task), Path("out"))  # test accuracy
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.captioning.images import decode_images
from zoo.endpoint import Endpoint
from zoo.finetuning import layerwise_lr_multipliers, layerwise_optimizer
from zoo.imagenet.config import ImageClassifierConfig
from zoo.imagenet.data import FACE_CLASSES, LabelledImages, load_split
from zoo.imagenet.models import backbone_block_groups, build_image_classifier
from zoo.imagenet.weights import NUM_CLASSES
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task

EXAMPLES = 8
"""Test images the `classify` endpoint carries as examples: the demo offers them."""


class ImageClassifierTask(Task):
    """EfficientNet-Lite0 classifying `config.dataset` (see `ImageClassifierConfig`)."""

    config_class = ImageClassifierConfig
    config: ImageClassifierConfig

    @functools.cached_property
    def split(self) -> Splits[LabelledImages]:
        return load_split(self.config.dataset, self.config.seed)

    @property
    def class_names(self) -> list[str]:
        if self.config.dataset == "imagenet":
            return [keras_hub.utils.imagenet_id_to_name(i) for i in range(NUM_CLASSES)]
        return list(FACE_CLASSES)

    def images(self, image_bytes: tf.Tensor) -> tf.Tensor:
        """Encoded images -> the model's [N, S, S, 3] inputs in [0, 1] (central crop, resize)."""
        crop = self.config.crop if self.config.crop < 1 else None
        return decode_images(image_bytes, self.config.image_size, crop)

    def _dataset(self, part: LabelledImages, training: bool = False) -> tf.data.Dataset:
        ds = tf.data.Dataset.from_tensor_slices((part.image_bytes.astype(bytes), part.labels))
        ds = ds.batch(self.config.batch_size).map(lambda data, labels: (self.images(data), labels)).cache()
        if training:
            batches = math.ceil(len(part) / self.config.batch_size)  # known length: see GradientGate
            ds = ds.unbatch().shuffle(len(part), seed=self.config.seed).batch(self.config.batch_size)
            ds = ds.apply(tf.data.experimental.assert_cardinality(batches))
        return ds.prefetch(tf.data.AUTOTUNE)

    def datasets(self) -> Splits[tf.data.Dataset]:
        return Splits(self._dataset(self.split.train, training=True), self._dataset(self.split.validation),
                      self._dataset(self.split.test))

    def build_model(self) -> keras.Model:
        steps_per_epoch = math.ceil(len(self.split.train) / self.config.batch_size)
        return build_image_classifier(self.config, len(self.class_names), steps_per_epoch)

    def compile(self, model: keras.Model) -> None:
        """Adam; the backbone's blocks at `backbone_lr_scale` * `layer_decay` ** depth of the rate."""
        c = self.config
        multipliers = layerwise_lr_multipliers(backbone_block_groups(model.get_layer("backbone")), c.layer_decay)
        optimizer = layerwise_optimizer(keras.optimizers.Adam(c.learning_rate),
                                        {path: m * c.backbone_lr_scale for path, m in multipliers.items()})
        model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        """Top-1 and top-k accuracy on the test images (an image's accepted classes all count);
        for ImageNet, a table of each sample photo's top-k."""
        out_dir.mkdir(parents=True, exist_ok=True)
        test = self.split.test
        outputs = self.endpoints(model)[0](image_bytes=test.image_bytes)
        ids = outputs["class_ids"]
        top1 = np.mean([ids[i, 0] in test.accepted[i] for i in range(len(test))])
        topk = np.mean([bool(set(ids[i]) & set(test.accepted[i])) for i in range(len(test))])
        k = ids.shape[1]
        metrics = {"test_accuracy": float(top1), f"test_top{k}_accuracy": float(topk)}
        rows = [[self.class_names[test.accepted[i][0]],
                 ", ".join(f"{name.decode()} {p:.2f}" for name, p in zip(outputs["classes"][i], outputs["probabilities"][i]))]
                for i in range(min(len(test), 12))]
        tables = {"accuracy": markdown_table(["test images", "top-1 accuracy", f"top-{k} accuracy"],
                                             [[len(test), top1, topk]]),
                  "examples": markdown_table(["true class", f"top-{k} (probability)"], rows)}
        (out_dir / "accuracy.md").write_text(tables["accuracy"] + "\n\n" + tables["examples"] + "\n")
        return Report(metrics, tables, [out_dir / "accuracy.md"])

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        return {"classify": {"image_bytes": self.split.test.image_bytes[:EXAMPLES]}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        names = tf.constant(self.class_names)
        k = min(self.config.top_k, len(self.class_names))

        def classify(image_bytes: tf.Tensor) -> dict[str, tf.Tensor]:
            probabilities = tf.nn.softmax(tf.cast(model(self.images(image_bytes), training=False), tf.float32))
            top = tf.math.top_k(probabilities, k)
            return {"classes": tf.gather(names, top.indices), "class_ids": top.indices, "probabilities": top.values}

        return [Endpoint(
            "classify", classify, {"image_bytes": tf.TensorSpec([None], tf.string)}, self.examples()["classify"],
            f"encoded PNG/JPEG/GIF/BMP images of any size -> the top {k} classes, their ids and probabilities",
        )]
