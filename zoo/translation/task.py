"""The translation tasks: Spanish -> English with an RNN encoder-decoder (with or without
attention) or a Transformer, evaluated with BLEU and chrF, served as raw text in, text out.

    task = zoo.get_task("translation_attention")
    model = zoo.train(task)                                       # a few CPU minutes on the Bible
    report = task.evaluate(model, Path("out"))                    # BLEU / chrF on test verses and everyday sentences
    print(report.tables["comparison"])
    translate = task.endpoints(model)[0]                          # the graph the export serves
    translate(text=["En el principio era el Verbo."], beam_width=4, max_length=30)["translation"]

`evaluate` measures this task's model only; the three architectures side by side are the
experiment `zoo.experiments.translation_comparison`.
"""
from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import sacrebleu
import tensorflow as tf

from zoo.endpoint import Endpoint
from zoo.everyday import comparable, everyday_items
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task
from zoo.translation import corpus
from zoo.translation.attention_map import save_attention_map
from zoo.translation.config import TranslationConfig
from zoo.translation.decoding import translate_in_graph
from zoo.translation.models import Translator, build_translator
from zoo.translation.tokenizer import END, PAD, START, learn_vocabulary, make_tokenizer

CONSTANT_CANDIDATES = 100
TRANSLATE_BATCH = 64
EXAMPLE_SENTENCES = ("En el principio crió Dios los cielos y la tierra.", "Y dijo Dios: Sea la luz: y fué la luz.",
                     "Bienaventurados los pobres en espíritu.")
"""What the endpoints carry as examples and the demo offers first."""


def decoding_settings(beam_width: int, max_length: int) -> dict[str, np.ndarray]:
    """The `translate` endpoint's scalar inputs."""
    return {"beam_width": np.array(beam_width, "int32"), "max_length": np.array(max_length, "int32")}


def translate_endpoint(model: Translator, examples: dict[str, np.ndarray], beam_width: int, max_length: int,
                       length_penalty: float) -> Endpoint:
    """`translate`: Spanish strings + beam_width (1: greedy) + max_length -> English strings."""
    return Endpoint(
        "translate",
        lambda text, beam_width, max_length: translate_in_graph(model, text, beam_width, max_length, length_penalty),
        {"text": tf.TensorSpec([None], tf.string), "beam_width": tf.TensorSpec([], tf.int32),
         "max_length": tf.TensorSpec([], tf.int32)},
        examples,
        "Spanish strings + beam_width (1: greedy, at most 16) + max_length (output tokens) -> translation, "
        "attention [B, T, S] (zeros for models without an attention map), source_tokens, target_tokens",
    )


def text_endpoint(model: Translator, examples: dict[str, np.ndarray], beam_width: int, max_length: int,
                  length_penalty: float) -> Endpoint:
    """`translate_text`: Spanish strings only, decoded with the task's default settings."""
    return Endpoint(
        "translate_text",
        lambda text: {"translation": translate_in_graph(model, text, beam_width, max_length, length_penalty)["translation"]},
        {"text": tf.TensorSpec([None], tf.string)},
        examples,
        f"Spanish strings -> translation (beam width {beam_width}, at most {max_length} tokens)",
    )


def translate_all(endpoint: Endpoint, texts: list[str], beam_width: int, max_length: int) -> list[str]:
    """Translations of `texts` through a `translate` endpoint, in batches."""
    out = []
    for start in range(0, len(texts), TRANSLATE_BATCH):
        batch = np.array(texts[start:start + TRANSLATE_BATCH], dtype=object)
        result = endpoint(text=batch, **decoding_settings(beam_width, max_length))
        out += [t.decode("utf-8", errors="replace") for t in result["translation"]]
    return out


def scores(hypotheses: list[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu defaults: 13a tokenization, chrF2) of one hypothesis per
    sentence against that sentence's references (one or more)."""
    most = max(len(refs) for refs in references)
    streams = [[refs[i] if i < len(refs) else None for refs in references] for i in range(most)]
    return {"bleu": sacrebleu.corpus_bleu(hypotheses, streams).score,
            "chrf": sacrebleu.corpus_chrf(hypotheses, streams).score}


def best_constant(candidates: list[str], references: list[str]) -> str:
    """The candidate that scores the highest BLEU when output for every reference."""
    return max(candidates, key=lambda c: sacrebleu.corpus_bleu([c] * len(references), [references]).score)


class TranslationTask(Task):
    """Spanish -> English with the architecture `config` names; see `TranslationConfig`."""

    config_class = TranslationConfig
    config: TranslationConfig

    @functools.cached_property
    def split(self) -> Splits[list[corpus.Pair]]:
        c = self.config
        pairs = corpus.clean_pairs(corpus.load_pairs(c.corpus, c.pairs_path), c.max_words, c.max_length_ratio)
        split = corpus.split_pairs(pairs, c.validation_size, c.test_size, c.seed)
        if not c.phrasebooks:
            return split
        phrases = corpus.clean_pairs(corpus.phrasebook_pairs(c.phrasebooks), c.max_words, c.max_length_ratio)
        everyday = {comparable(text) for item in everyday_items("translation", required=("source", "references"))
                    for text in (item["source"], *item["references"])}
        return corpus.with_phrasebooks(split, phrases, held_out=everyday)

    @functools.cached_property
    def vocabularies(self) -> tuple[list[str], list[str]]:
        """Source (lower-cased) and target vocabularies learned from the training split."""
        train_pairs = self.split.train
        return (learn_vocabulary([p.source for p in train_pairs], self.config.vocabulary_size, lowercase=True),
                learn_vocabulary([p.target for p in train_pairs], self.config.vocabulary_size, lowercase=False))

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch or math.ceil(len(self.split.train) / self.config.batch_size)

    def pairs_dataset(self, pairs: list[corpus.Pair], shuffle: bool = False, steps: int = 0) -> tf.data.Dataset:
        """Batches of ({source_ids, target_ids}, next target ids, weights), tokenized in tf.data:
        sources end with `[END]`; targets are `[START]` + pieces as input and pieces + `[END]` as
        labels, weighted 0 on padding (the loss is the mean over real tokens)."""
        c = self.config
        source_tokenizer, target_tokenizer = (make_tokenizer(v, lowercase) for v, lowercase in zip(self.vocabularies, (True, False)))

        def tokenize(source, target):
            pieces = source_tokenizer(source)[:, :c.source_length - 1]
            rows = pieces.nrows()
            end, start = tf.fill([rows, 1], END), tf.fill([rows, 1], START)
            source_ids = tf.concat([pieces, end], 1).to_tensor(PAD, shape=[None, c.source_length])
            pieces = target_tokenizer(target)[:, :c.target_length - 1]
            target_in = tf.concat([start, pieces], 1).to_tensor(PAD, shape=[None, c.target_length])
            target_out = tf.concat([pieces, end], 1).to_tensor(PAD, shape=[None, c.target_length])
            real = tf.cast(target_out != PAD, tf.float32)
            # Keras divides the weighted loss by the number of positions: scaling the weights by
            # positions / real tokens makes it the mean over real tokens, whatever the padding.
            weights = real * tf.cast(tf.size(real), tf.float32) / tf.maximum(tf.reduce_sum(real), 1.0)
            return {"source_ids": source_ids, "target_ids": target_in}, target_out, weights

        ds = tf.data.Dataset.from_tensor_slices(([p.source for p in pairs], [p.target for p in pairs]))
        if shuffle:
            ds = ds.shuffle(len(pairs), seed=c.seed, reshuffle_each_iteration=True)
        ds = ds.batch(c.batch_size).map(tokenize, num_parallel_calls=tf.data.AUTOTUNE)
        return (ds.repeat().take(steps) if steps else ds).prefetch(tf.data.AUTOTUNE)

    def datasets(self) -> Splits:
        return Splits(
            train=self.pairs_dataset(self.split.train, shuffle=True, steps=self.config.steps_per_epoch),
            validation=self.pairs_dataset(self.split.validation),
            test=self.pairs_dataset(self.split.test),
        )

    def build_model(self) -> keras.Model:
        return build_translator(self.config, *self.vocabularies)

    def compile(self, model: keras.Model) -> None:
        model.compile(
            optimizer=keras.optimizers.Adam(self.config.learning_rate, clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="token_accuracy")],
            jit_compile=False,
        )

    def test_scores(self, translate: Endpoint) -> tuple[dict[str, float], list[str]]:
        """BLEU and chrF on the first `eval_sentences` test pairs through a `translate`
        endpoint, and the translations."""
        c = self.config
        test = self.split.test[:c.eval_sentences]
        hypotheses = translate_all(translate, [p.source for p in test], c.beam_width, c.max_output_tokens)
        return scores(hypotheses, [[p.target] for p in test]), hypotheses

    def everyday_scores(self, translate: Endpoint) -> tuple[dict[str, float], list[str]]:
        """BLEU and chrF on the everyday sentences (`tests/data/everyday/translation.jsonl`, each
        with one or more references) through a `translate` endpoint, and the translations."""
        c = self.config
        items = everyday_items("translation", required=("source", "references"))
        hypotheses = translate_all(translate, [item["source"] for item in items], c.beam_width, c.max_output_tokens)
        return scores(hypotheses, [item["references"] for item in items]), hypotheses

    def constant_baseline(self) -> tuple[str, dict[str, float]]:
        """What a model that ignores its input can reach: the best single output among training
        targets (picked on validation), scored on the test pairs and, as `everyday_bleu` and
        `everyday_chrf`, on the everyday sentences."""
        candidates = [p.target for p in self.split.train[:CONSTANT_CANDIDATES]]
        constant = best_constant(candidates, [p.target for p in self.split.validation])
        references = [[p.target] for p in self.split.test[:self.config.eval_sentences]]
        everyday = [item["references"] for item in everyday_items("translation", required=("references",))]
        on_everyday = scores([constant] * len(everyday), everyday)
        return constant, {**scores([constant] * len(references), references),
                          "everyday_bleu": on_everyday["bleu"], "everyday_chrf": on_everyday["chrf"]}

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        c = self.config
        out_dir.mkdir(parents=True, exist_ok=True)
        translate = self.endpoints(model)[0]
        measured, hypotheses = self.test_scores(translate)
        everyday, everyday_hypotheses = self.everyday_scores(translate)
        constant, baseline = self.constant_baseline()
        metrics = {"test_bleu": measured["bleu"], "test_chrf": measured["chrf"],
                   "everyday_bleu": everyday["bleu"], "everyday_chrf": everyday["chrf"],
                   "constant_output_bleu": baseline["bleu"], "constant_output_chrf": baseline["chrf"],
                   "constant_output_everyday_bleu": baseline["everyday_bleu"],
                   "constant_output_everyday_chrf": baseline["everyday_chrf"]}
        test = self.split.test[:8]
        rows = [[p.source, p.target, h] for p, h in zip(test, hypotheses)]
        everyday_rows = [[item["source"], " / ".join(item["references"]), h]
                         for item, h in zip(everyday_items("translation"), everyday_hypotheses)]
        tables = {
            "comparison": markdown_table(
                ["model", f"test BLEU (beam {c.beam_width})", "test chrF", "everyday BLEU", "everyday chrF"], [
                    [f"{self.name}: {self.describe()}", f"{measured['bleu']:.2f}", f"{measured['chrf']:.1f}",
                     f"{everyday['bleu']:.2f}", f"{everyday['chrf']:.1f}"],
                    [f"constant output {constant[:40]!r}", f"{baseline['bleu']:.2f}", f"{baseline['chrf']:.1f}",
                     f"{baseline['everyday_bleu']:.2f}", f"{baseline['everyday_chrf']:.1f}"],
                ]),
            "samples": markdown_table(["Spanish (held out)", "reference English", f"{self.name} (beam {c.beam_width})"], rows),
            "everyday": markdown_table(["Spanish (everyday)", "references", f"{self.name} (beam {c.beam_width})"], everyday_rows),
        }
        files = []
        if model.has_attention_map:
            outputs = translate(text=np.array([test[0].source], dtype=object),
                                               **decoding_settings(c.beam_width, c.max_output_tokens))
            files.append(save_attention_map(out_dir / "attention.png", outputs, 0, title=f"{self.name}: {test[0].source}"))
        return Report(metrics, tables, files)

    def describe(self) -> str:
        c = self.config
        if c.architecture == "transformer":
            return f"Transformer {c.num_layers}+{c.num_layers} layers, width {c.units}, {c.num_heads} heads"
        encoder = ("bidirectional " if c.bidirectional else "") + c.cell.upper()
        attention = {"none": "no attention", "additive": "additive (Bahdanau) attention", "dot": "dot (Luong) attention"}[c.attention]
        return f"{encoder} {c.num_layers} layer(s) x {c.units}, {attention}"

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        c, text = self.config, np.array(EXAMPLE_SENTENCES, dtype=object)
        return {"translate": {"text": text, **decoding_settings(c.beam_width, c.max_output_tokens)},
                "translate_text": {"text": text}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        c, examples = self.config, self.examples()
        return [translate_endpoint(model, examples["translate"], c.beam_width, c.max_output_tokens, c.length_penalty),
                text_endpoint(model, examples["translate_text"], c.beam_width, c.max_output_tokens, c.length_penalty)]
