"""The image captioning task: data, model, BLEU evaluation against a constant-caption
baseline, and the `caption` endpoint (encoded image bytes in, caption out).

    task = zoo.get_task("image_captioning")
    model = zoo.train(task)                                  # a few CPU minutes
    report = task.evaluate(model, Path("out"))               # BLEU-1..4, examples.png
    caption = task.endpoints(model)[0]
    caption(image_bytes=np.array([open("cat.png", "rb").read()], dtype=object),
            beam_width=np.array(3, "int32"))["caption"]
"""
from __future__ import annotations

import collections
import functools
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf
from sacrebleu.metrics import BLEU

from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import CaptionedImages, load_captioned_images, split_images
from zoo.captioning.decoding import caption_images
from zoo.captioning.figures import attention_overlays, save_attention_rows, save_caption_grid
from zoo.captioning.models import build_captioner
from zoo.captioning.pipeline import make_dataset
from zoo.captioning.tokenizer import CaptionTokenizer, build_vocabulary
from zoo.endpoint import Endpoint
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task

BLEU_ORDERS = (1, 2, 3, 4)
EXAMPLES = 12
ATTENTION_EXAMPLES = 4
SERVING_EXAMPLES = 4
"""Held-out images the `caption` endpoint carries as examples: the demo offers them."""


def bleu_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    """Corpus BLEU-1..4 (sacrebleu, cumulative up to each order, with brevity penalty, 0-100);
    images may have different numbers of reference captions."""
    most = max(len(r) for r in references)
    streams = [[r[i] if i < len(r) else None for r in references] for i in range(most)]
    return {f"bleu_{n}": BLEU(max_ngram_order=n).corpus_score(list(hypotheses), streams).score for n in BLEU_ORDERS}


def most_frequent_caption(captions: Sequence[Sequence[str]]) -> str:
    """The most frequent training caption; among equally frequent ones, the one whose words are
    most common on average (so unique captions still give the strongest constant guess)."""
    counts = collections.Counter(c for texts in captions for c in texts)
    words = collections.Counter(w for texts in captions for c in texts for w in c.split())
    return max(counts, key=lambda c: (counts[c], np.mean([words[w] for w in c.split()]), c))


class CaptioningTask(Task):
    """CNN encoder + Transformer decoder captioning images of `config.dataset`."""

    config_class = CaptioningConfig
    config: CaptioningConfig

    @functools.cached_property
    def split(self) -> Splits[CaptionedImages]:
        c = self.config
        return split_images(load_captioned_images(c.dataset, c.max_images, c.image_dir, c.captions_file), seed=c.seed)

    @functools.cached_property
    def vocabulary(self) -> list[str]:
        return build_vocabulary((t for texts in self.split.train.captions for t in texts), self.config.min_word_count)

    def tokenizer(self, model: keras.Model | None = None) -> CaptionTokenizer:
        """The tokenizer of `model`'s stored vocabulary, or of this task's training captions."""
        vocabulary = model.get_layer("caption_decoder").vocabulary if model is not None else self.vocabulary
        return CaptionTokenizer(vocabulary, self.config.max_tokens)

    def datasets(self) -> Splits:
        tokenizer = self.tokenizer()
        return Splits(
            train=make_dataset(self.split.train, tokenizer, self.config, training=True),
            validation=make_dataset(self.split.validation, tokenizer, self.config),
            test=make_dataset(self.split.test, tokenizer, self.config),
        )

    def build_model(self) -> keras.Model:
        return build_captioner(self.vocabulary, self.config)

    def compile(self, model: keras.Model) -> None:
        model.compile(
            optimizer=keras.optimizers.AdamW(self.config.learning_rate, weight_decay=1e-4, clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="word_accuracy")],
            jit_compile=False,
        )

    def caption_files(self, model: keras.Model, data: CaptionedImages, beam_width: int, batch_size: int = 64) -> list[str]:
        """Captions of the image files of `data` through the `caption` endpoint's function."""
        endpoint = self.endpoints(model)[0]
        captions = []
        for start in range(0, len(data), batch_size):
            encoded = np.array([Path(f).read_bytes() for f in data.files[start:start + batch_size]], dtype=object)
            outputs = endpoint(image_bytes=encoded, beam_width=np.array(beam_width, "int32"))
            captions += [c.decode() for c in outputs["caption"]]
        return captions

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        out_dir.mkdir(parents=True, exist_ok=True)
        test = self.split.test
        baseline = most_frequent_caption(self.split.train.captions)
        greedy = self.caption_files(model, test, 1)
        beam = self.caption_files(model, test, self.config.beam_width)
        rows, metrics = [], {}
        for prefix, label, hypotheses in (("baseline", f"baseline: always {baseline!r}", [baseline] * len(test)),
                                          ("greedy", "model, greedy", greedy),
                                          ("beam", f"model, beam {self.config.beam_width}", beam)):
            scores = bleu_scores(hypotheses, test.captions)
            rows.append([label, *(scores[f"bleu_{n}"] for n in BLEU_ORDERS)])
            metrics.update({f"{prefix}_{key}": value for key, value in scores.items()})
        tables = {"bleu": markdown_table(["captions of the test images", *(f"BLEU-{n}" for n in BLEU_ORDERS)], rows)}
        images = next(iter(make_dataset(test.subset(np.arange(min(EXAMPLES, len(test)))), self.tokenizer(model),
                                        self.config)))[0]["images"].numpy()
        grid = save_caption_grid(out_dir / "examples.png", images, beam, [c[0] for c in test.captions],
                                 title=f"{self.name}: held-out images, beam {self.config.beam_width} vs true captions")
        attention = self._attention_figure(model, test, images[:ATTENTION_EXAMPLES], out_dir / "attention.png")
        (out_dir / "bleu.md").write_text(tables["bleu"] + "\n")
        return Report(metrics, tables, [out_dir / "bleu.md", grid, attention])

    def _attention_figure(self, model: keras.Model, test: CaptionedImages, images: np.ndarray, path: Path) -> Path:
        """Per held-out image: the picture, then where the decoder looked for each word of its beam caption."""
        encoded = np.array([Path(f).read_bytes() for f in test.files[:len(images)]], dtype=object)
        outputs = self.endpoints(model)[0](image_bytes=encoded, beam_width=np.array(self.config.beam_width, "int32"))
        rows = []
        for image, caption, ids, attention, truth in zip(images, outputs["caption"], outputs["token_ids"],
                                                         outputs["attention"], test.captions):
            length = int((ids >= 0).sum())
            words = (caption.decode().split() + ["(end)"])[:length]
            rows.append([((np.clip(image, 0, 1) * 255).astype("uint8"), f"true: {truth[0][:28]}"),
                         *attention_overlays(image, attention[:length], words)])
        return save_attention_rows(path, rows, f"{self.name}: attention per word")

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        images = np.array([Path(f).read_bytes() for f in self.split.test.files[:SERVING_EXAMPLES]], dtype=object)
        return {"caption": {"image_bytes": images, "beam_width": np.array(self.config.beam_width, "int32")}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        tokenizer = self.tokenizer(model)
        return [
            Endpoint(
                "caption", lambda image_bytes, beam_width: caption_images(model, tokenizer, image_bytes, beam_width,
                                                                          self.config.length_penalty),
                {"image_bytes": tf.TensorSpec([None], tf.string), "beam_width": tf.TensorSpec([], tf.int32)},
                self.examples()["caption"],
                "encoded PNG/JPEG/GIF/BMP images of any size + beam_width (1: greedy) -> caption, token_ids "
                "(-1 after the end), log_prob, attention over the image grid per word",
            ),
        ]
