"""The BERT tasks: sentiment classification, extractive QA, entity tagging, masked LM and
next-sentence prediction, each a small head on one keras-hub BERT backbone, each served by a
raw-text endpoint.

    task = zoo.get_task("bert_qa", train_examples=500)
    model = zoo.train(task)
    task.evaluate(model, Path("models/bert_qa/evaluation")).metrics    # exact_match, f1, baseline
    task.endpoints(model)[0](question=["What is the capital of Peru?"], context=["... Lima ..."])
"""
from __future__ import annotations

import collections
import functools
import re
import string
from pathlib import Path

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.backbone import load_backbone, load_tokenizer, preset_of
from zoo.bert.classification import VALIDATION, sentiment_split, tfidf_baseline
from zoo.bert.config import BertConfig
from zoo.bert.conll import LABELS as ENTITY_LABELS
from zoo.bert.conll import EntityTexts, generate_ner, read_conll
from zoo.bert.masked_lm import MaskFiller, build_masked_lm, masking_preprocessor
from zoo.bert.next_sentence import LABELS as NEXT_SENTENCE_LABELS
from zoo.bert.next_sentence import SentencePairs, generate_pairs
from zoo.bert.question_answering import QuestionAnswering, build_span_model, byte_offsets
from zoo.bert.squad import QAExamples, generate_qa, read_squad
from zoo.bert.tokenization import clean_utf8
from zoo.bert.token_classification import EntityTagger, build_token_classifier, entity_scores
from zoo.datasets.sentiment import LABELS as SENTIMENTS
from zoo.endpoint import Endpoint
from zoo.errors import ZooError
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task

TEXT = tf.TensorSpec((None,), tf.string)


def batches(inputs, targets=None, weights=None, *, batch_size: int, shuffle: bool = False, seed: int = 0) -> tf.data.Dataset:
    """A batched pipeline over precomputed arrays (the model sees int32 ids and masks only)."""
    parts = tuple(part for part in (inputs, targets, weights) if part is not None)
    ds = tf.data.Dataset.from_tensor_slices(parts if len(parts) > 1 else parts[0])
    if shuffle:
        ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def in_batches(function, size: int = 64, **arrays: np.ndarray) -> dict[str, list]:
    """Run an endpoint function over arrays in chunks; outputs concatenated per key as lists."""
    out = collections.defaultdict(list)
    total = len(next(iter(arrays.values())))
    for begin in range(0, total, size):
        for key, value in function(**{k: v[begin:begin + size] for k, v in arrays.items()}).items():
            out[key].extend(list(value))
    return out


class BertTask(Task):
    """What the BERT tasks share: the config, backbone and tokenizer."""

    config_class = BertConfig
    config: BertConfig

    @functools.cached_property
    def tokenizer(self) -> keras_hub.models.BertTokenizer:
        return load_tokenizer(self.config.backbone)

    def backbone(self) -> keras_hub.models.BertBackbone:
        c = self.config
        return load_backbone(c.backbone, layers=c.tiny_layers, hidden=c.tiny_hidden, seed=c.seed)

    def loss(self) -> keras.losses.Loss:
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def read_or_generate(self, read, generate) -> tuple:
        """Train and test examples: the first 80% / the rest of `config.data_path` read with
        `read`, or `generate(train_size, test_size, seed)`; each capped by the config."""
        c = self.config
        if not c.data_path:
            return generate(c.train_examples, c.test_examples, seed=c.seed)
        examples = read(c.data_path)
        cut = int(0.8 * len(examples))
        return examples[:cut].head(c.train_examples), examples[cut:].head(c.test_examples)

    def encoded_splits(self, encode) -> Splits:
        """`self.data` encoded as (inputs, targets[, weights]) arrays by `encode`; validation
        during training watches the first 200 test examples."""
        train, test = self.data
        c = self.config
        return Splits(
            train=batches(*encode(train), batch_size=c.batch_size, shuffle=True, seed=c.seed),
            validation=batches(*encode(test.head(200)), batch_size=128),
            test=batches(*encode(test), batch_size=128),
        )

    def build_eagerly(self, *names: str) -> None:
        """Create the named cached text-processing attributes now. Created inside a traced
        endpoint, their vocabulary tables would belong to that graph and fail in the next one
        (an export, the demo, a second endpoint over the same task)."""
        for name in names:
            getattr(self, name)


class SentimentTask(BertTask):
    """Three-class tweet sentiment: `BertTextClassifier` (pooled [CLS] -> dense) vs TF-IDF."""

    @functools.cached_property
    def split(self):
        return sentiment_split(self.config.train_examples, self.config.test_examples, self.config.seed)

    @functools.cached_property
    def preprocessor(self) -> keras_hub.models.BertTextClassifierPreprocessor:
        return keras_hub.models.BertTextClassifierPreprocessor(self.tokenizer, sequence_length=self.config.sequence_length)

    def model_inputs(self, texts: tf.Tensor) -> dict[str, tf.Tensor]:
        inputs = self.preprocessor(clean_utf8(texts))
        return {**inputs, "padding_mask": tf.cast(inputs["padding_mask"], tf.int32)}

    def datasets(self) -> Splits:
        c, train, test = self.config, self.split.train, self.split.test
        if len(train) <= VALIDATION:
            raise ZooError(f"train_examples={c.train_examples} leaves nothing to train on: the first {VALIDATION} "
                           f"training examples are held out for validation; use more than {VALIDATION} (0 = all)")
        inputs = {key: value.numpy() for key, value in self.model_inputs(tf.constant(list(train.texts))).items()}
        test_inputs = {key: value.numpy() for key, value in self.model_inputs(tf.constant(list(test.texts))).items()}
        part = {key: value[VALIDATION:] for key, value in inputs.items()}
        held = {key: value[:VALIDATION] for key, value in inputs.items()}
        return Splits(
            train=batches(part, train.labels[VALIDATION:], batch_size=c.batch_size, shuffle=True, seed=c.seed),
            validation=batches(held, train.labels[:VALIDATION], batch_size=128),
            test=batches(test_inputs, test.labels, batch_size=128),
        )

    def build_model(self) -> keras.Model:
        return keras_hub.models.BertTextClassifier(self.backbone(), num_classes=len(SENTIMENTS), preprocessor=None)

    def metrics(self) -> list:
        return ["accuracy"]

    def classify(self, model: keras.Model, text: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = tf.nn.softmax(model(self.model_inputs(text), training=False), axis=-1)
        return {"label": tf.gather(tf.constant(SENTIMENTS), tf.argmax(probabilities, axis=-1)), "probabilities": probabilities}

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        predicted = np.argmax(model.predict(self.datasets().test, verbose=0), axis=-1)
        metrics = {"accuracy": float(np.mean(predicted == self.split.test.labels)), **tfidf_baseline(self.split)}
        table = markdown_table(["model", "test accuracy"], [
            [f"BERT ({self.config.backbone})", f"{metrics['accuracy']:.3f}"],
            ["TF-IDF + logistic regression", f"{metrics['tfidf_accuracy']:.3f}"],
            ["majority class", f"{metrics['majority_accuracy']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("preprocessor")
        examples = np.array(["I love this!", "worst service ever", ""], dtype=object)
        return [Endpoint("classify", lambda text: self.classify(model, text), {"text": TEXT}, {"text": examples},
                         "texts -> label (negative/neutral/positive) and class probabilities")]


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalization: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def answer_f1(prediction: str, gold: str) -> float:
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((collections.Counter(predicted) & collections.Counter(expected)).values())
    if not predicted or not expected:
        return float(predicted == expected)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], answers: list[tuple[str, ...]]) -> dict[str, float]:
    """Exact match and token F1, each the best over an example's gold answers, averaged."""
    em = [max(normalize_answer(p) == normalize_answer(g) for g in gold) for p, gold in zip(predictions, answers)]
    f1 = [max(answer_f1(p, g) for g in gold) for p, gold in zip(predictions, answers)]
    return {"exact_match": float(np.mean(em)), "f1": float(np.mean(f1))}


def overlap_baseline(questions, contexts) -> list[str]:
    """The sentence sharing most words with the question, minus those words: a reading-free baseline."""
    answers = []
    for question, context in zip(questions, contexts):
        asked = set(normalize_answer(question).split())
        sentences = re.split(r"(?<=[.!?])\s+", context)
        best = max(sentences, key=lambda s: len(asked & set(normalize_answer(s).split())))
        answers.append(" ".join(word for word in best.split() if normalize_answer(word) not in asked))
    return answers


class QuestionAnsweringTask(BertTask):
    """Extractive QA: `SpanHead` start/end vectors over a sliding window of the context."""

    @functools.cached_property
    def data(self) -> tuple[QAExamples, QAExamples]:
        return self.read_or_generate(read_squad, generate_qa)

    @functools.cached_property
    def reader(self) -> QuestionAnswering:
        c = self.config
        return QuestionAnswering(self.tokenizer, c.sequence_length, c.window_stride, c.max_answer_tokens)

    def _windows(self, examples: QAExamples):
        contexts = list(examples.contexts)
        starts = byte_offsets(contexts, list(examples.answer_starts))
        ends = byte_offsets(contexts, [s + len(a[0]) for s, a in zip(examples.answer_starts, examples.answers)])
        inputs, labels = self.reader.training_windows(tf.constant(list(examples.questions)), tf.constant(contexts), starts, ends)
        return {k: v.numpy() for k, v in inputs.items()}, {k: v.numpy() for k, v in labels.items()}

    def datasets(self) -> Splits:
        return self.encoded_splits(self._windows)

    def build_model(self) -> keras.Model:
        return build_span_model(self.backbone())

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        test = self.data[1]
        answer = self.endpoints(model)[0]
        predicted = [a.decode("utf-8") for a in in_batches(answer, context=test.contexts, question=test.questions)["answer"]]
        baseline = squad_scores(overlap_baseline(test.questions, test.contexts), test.answers)
        metrics = {**squad_scores(predicted, test.answers), **{f"baseline_{k}": v for k, v in baseline.items()}}
        table = markdown_table(["model", "exact match", "F1"], [
            [f"BERT ({self.config.backbone})", f"{metrics['exact_match']:.3f}", f"{metrics['f1']:.3f}"],
            ["word-overlap sentence", f"{metrics['baseline_exact_match']:.3f}", f"{metrics['baseline_f1']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("reader")
        test = self.data[1]
        examples = {"question": np.array([test.questions[0], "Who?"], dtype=object),
                    "context": np.array([test.contexts[0], ""], dtype=object)}
        return [Endpoint("answer", lambda question, context: self.reader.answer(model, question, context),
                         {"question": TEXT, "context": TEXT}, examples,
                         "question and context -> answer text, its character span [start, end) and score")]


class EntityTask(BertTask):
    """Named entities (PER/LOC/ORG, BIO) with a dense layer over every word piece."""

    @functools.cached_property
    def data(self) -> tuple[EntityTexts, EntityTexts]:
        return self.read_or_generate(read_conll, generate_ner)

    @functools.cached_property
    def tagger(self) -> EntityTagger:
        return EntityTagger(self.tokenizer, self.config.sequence_length)

    def datasets(self) -> Splits:
        return self.encoded_splits(self.tagger.training_data)

    def build_model(self) -> keras.Model:
        return build_token_classifier(self.backbone(), len(ENTITY_LABELS))

    def metrics(self) -> list:
        return []

    def compile(self, model: keras.Model) -> None:
        model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate), loss=self.loss(), weighted_metrics=["accuracy"])

    def predicted_entities(self, model: keras.Model, texts: list[str]) -> list[set]:
        out = in_batches(self.endpoints(model)[0], text=np.array(texts, dtype=object))
        return [
            {(int(s), int(e), label.decode()) for s, e, label in zip(starts[:n], ends[:n], labels[:n])}
            for starts, ends, labels, n in zip(out["start"], out["end"], out["label"], out["count"])
        ]

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        test = self.data[1]
        metrics = entity_scores([set(spans) for spans in test.spans], self.predicted_entities(model, test.texts))
        table = markdown_table(["model", "entity precision", "entity recall", "entity F1"], [
            [f"BERT ({self.config.backbone})", *(f"{metrics[k]:.3f}" for k in ("entity_precision", "entity_recall", "entity_f1"))],
            ["all O (trivial)", "0.000", "0.000", "0.000"],
        ])
        return Report(metrics, {"comparison": table})

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("tagger")
        examples = np.array([self.data[1].texts[0], "", "Anna Weber flew from Berlin to Lyon."], dtype=object)
        return [Endpoint("tag", lambda text: self.tagger.tag(model, text), {"text": TEXT}, {"text": examples},
                         "texts -> entities: text, label (PER/LOC/ORG), character span [start, end), score; count per text")]


class MaskedLMTask(BertTask):
    """Fill-mask, and further pre-training on tweets with BERT's 80/10/10 masking."""

    @functools.cached_property
    def tokenizer(self) -> keras_hub.models.BertTokenizer:
        return load_tokenizer(self.config.backbone, special_tokens_in_strings=True)

    @functools.cached_property
    def split(self):
        return sentiment_split(self.config.train_examples, self.config.test_examples, self.config.seed)

    def _masked(self, texts: np.ndarray, *, batch_size: int, shuffle: bool = False) -> tf.data.Dataset:
        masker = masking_preprocessor(self.tokenizer, self.config.sequence_length)

        def mask(batch: tf.Tensor):
            x, y, weights = masker(clean_utf8(batch))
            return {**x, "padding_mask": tf.cast(x["padding_mask"], tf.int32)}, y, weights

        ds = tf.data.Dataset.from_tensor_slices(list(texts))
        if shuffle:
            ds = ds.shuffle(10_000, seed=self.config.seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).map(mask).prefetch(tf.data.AUTOTUNE)

    def datasets(self) -> Splits:
        c, train, test = self.config, self.split.train.texts, self.split.test.texts
        return Splits(
            train=self._masked(train[VALIDATION:], batch_size=c.batch_size, shuffle=True),
            validation=self._masked(train[:VALIDATION], batch_size=128),
            test=self._masked(test, batch_size=128),
        )

    def build_model(self) -> keras.Model:
        c = self.config
        return build_masked_lm(self.backbone(), None if c.backbone in ("minilm", "tiny") else preset_of(c.backbone))

    def compile(self, model: keras.Model) -> None:
        model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate), loss=self.loss(), weighted_metrics=["accuracy"])

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        train_targets = np.concatenate([np.asarray(y)[np.asarray(w) > 0] for _, y, w in self.datasets().validation])
        most_common = np.bincount(train_targets).argmax()
        hits = total = unigram = 0
        for x, y, weights in self.datasets().test:
            predicted = np.argmax(model.predict_on_batch(x), axis=-1)
            real = np.asarray(weights) > 0
            hits += int(np.sum((predicted == y) & real))
            unigram += int(np.sum((np.asarray(y) == most_common) & real))
            total += int(real.sum())
        metrics = {"masked_accuracy": hits / total, "unigram_accuracy": unigram / total}
        table = markdown_table(["model", "masked-token accuracy"], [
            [f"BERT MLM ({self.config.backbone})", f"{metrics['masked_accuracy']:.3f}"],
            [f"most frequent token ({self.tokenizer.id_to_token(int(most_common))!r})", f"{metrics['unigram_accuracy']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        filler = MaskFiller(self.tokenizer, self.config.sequence_length, self.config.top_k)
        examples = np.array(["the weather is [MASK] today", "no mask here", "[MASK] and [MASK]"], dtype=object)
        return [Endpoint("fill_mask", lambda text: filler(model, text), {"text": TEXT}, {"text": examples},
                         "texts with [MASK] -> top-k tokens and probabilities per mask; mask_count per text")]


class NextSentenceTask(BertTask):
    """Next-sentence prediction: `BertTextClassifier` (pooled [CLS] -> dense) on sentence pairs."""

    @functools.cached_property
    def data(self) -> tuple[SentencePairs, SentencePairs]:
        return generate_pairs(self.config.train_examples, self.config.test_examples, seed=self.config.seed)

    @functools.cached_property
    def preprocessor(self) -> keras_hub.models.BertTextClassifierPreprocessor:
        return keras_hub.models.BertTextClassifierPreprocessor(self.tokenizer, sequence_length=self.config.sequence_length)

    def model_inputs(self, first: tf.Tensor, second: tf.Tensor) -> dict[str, tf.Tensor]:
        """[CLS] first [SEP] second [SEP], segment ids 0 then 1, both trimmed round-robin to fit."""
        inputs = self.preprocessor(x=(clean_utf8(first), clean_utf8(second)))   # a positional tuple reads as (x, y)
        return {**inputs, "padding_mask": tf.cast(inputs["padding_mask"], tf.int32)}

    def _encoded(self, pairs: SentencePairs) -> tuple[dict[str, np.ndarray], np.ndarray]:
        inputs = self.model_inputs(tf.constant(list(pairs.first)), tf.constant(list(pairs.second)))
        return {k: v.numpy() for k, v in inputs.items()}, pairs.labels

    def datasets(self) -> Splits:
        return self.encoded_splits(self._encoded)

    def build_model(self) -> keras.Model:
        return keras_hub.models.BertTextClassifier(self.backbone(), num_classes=len(NEXT_SENTENCE_LABELS), preprocessor=None)

    def metrics(self) -> list:
        return ["accuracy"]

    def predict_next(self, model: keras.Model, first: tf.Tensor, second: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = tf.nn.softmax(model(self.model_inputs(first, second), training=False), axis=-1)
        return {"label": tf.gather(tf.constant(NEXT_SENTENCE_LABELS), tf.argmax(probabilities, axis=-1)),
                "probability_next": probabilities[:, 1]}

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        train, test = self.data
        predicted = np.argmax(model.predict(self.datasets().test, verbose=0), axis=-1)
        majority = np.bincount(train.labels).argmax()
        metrics = {"accuracy": float(np.mean(predicted == test.labels)), "majority_accuracy": float(np.mean(test.labels == majority))}
        table = markdown_table(["model", "next-sentence accuracy"], [
            [f"BERT ({self.config.backbone})", f"{metrics['accuracy']:.3f}"],
            ["majority class (chance)", f"{metrics['majority_accuracy']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("preprocessor")
        test = self.data[1]
        examples = {"first": np.array([test.first[0], test.first[1], ""], dtype=object),
                    "second": np.array([test.second[0], test.second[1], ""], dtype=object)}
        return [Endpoint("next_sentence", lambda first, second: self.predict_next(model, first, second),
                         {"first": TEXT, "second": TEXT}, examples,
                         "sentence pairs -> label (next/random) and the probability that the second follows the first")]
