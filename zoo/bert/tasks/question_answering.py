"""`bert_qa`: extractive question answering. A `SpanHead` scores each word piece as the answer's
start or end over a sliding window of the context; decoding picks the best legal span. Measured
with SQuAD's exact match and F1 against the best word-overlap sentence, on the test split and on
hand-written everyday questions (`tests/data/everyday/bert_qa.jsonl`).

    task = zoo.get_task("bert_qa")                       # questions on generated stories
    task = zoo.get_task("bert_qa", data_path="train-v1.1.json")   # or SQuAD v1.1
    model = zoo.train(task)
    task.endpoints(model)[0](question=["What is the capital of Peru?"], context=["... Lima ..."])
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from zoo.bert.config import QuestionAnsweringConfig
from zoo.bert.question_answering import QuestionAnswering, build_span_model, byte_offsets
from zoo.bert.squad import QAExamples, generate_qa, read_squad
from zoo.bert.squad_metrics import overlap_baseline, squad_scores
from zoo.bert.task import TEXT, BertTask, in_batches
from zoo.endpoint import Endpoint
from zoo.everyday import everyday_items
from zoo.tables import markdown_table
from zoo.task import Report, Splits


class QuestionAnsweringTask(BertTask):
    """Extractive QA: `SpanHead` start/end vectors over a sliding window of the context."""

    config_class = QuestionAnsweringConfig
    config: QuestionAnsweringConfig

    @functools.cached_property
    def split(self) -> Splits[QAExamples]:
        return self.read_or_generate(self.config.data_path, read_squad, generate_qa)

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
        """SQuAD exact match and F1 of the model and of the word-overlap baseline on the test
        split and, as `everyday_*`, on the hand-written everyday questions."""
        test = self.split.test
        everyday = everyday_items(self.name, required=("context", "question", "answers"))
        answer = self.endpoints(model)[0]
        texts = lambda key: np.array([item[key] for item in everyday], dtype=object)
        metrics = {**self.scores(answer, test.questions, test.contexts, test.answers),
                   **{f"everyday_{key}": value for key, value in self.scores(
                       answer, texts("question"), texts("context"), [tuple(item["answers"]) for item in everyday]).items()}}
        row = lambda name, prefix: [name, *(f"{metrics[f'{split}{prefix}{key}']:.3f}" for split in ("", "everyday_") for key in ("exact_match", "f1"))]
        table = markdown_table(["model", "test exact match", "test F1", "everyday exact match", "everyday F1"], [
            row(f"BERT ({self.config.backbone})", ""), row("word-overlap sentence", "baseline_")])
        return Report(metrics, {"comparison": table})

    @staticmethod
    def scores(answer: Callable, questions: np.ndarray, contexts: np.ndarray, answers: list[tuple[str, ...]]) -> dict[str, float]:
        """Exact match and F1 of the `answer` endpoint's answers and, as `baseline_*`, of the
        word-overlap sentence."""
        predicted = [a.decode("utf-8") for a in in_batches(answer, context=contexts, question=questions)["answer"]]
        baseline = squad_scores(overlap_baseline(questions, contexts), answers)
        return {**squad_scores(predicted, answers), **{f"baseline_{key}": value for key, value in baseline.items()}}

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        test = self.split.test
        return {"answer": {"question": np.array([test.questions[0], "Who?"], dtype=object),
                           "context": np.array([test.contexts[0], ""], dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("reader")
        return [Endpoint("answer", lambda question, context: self.reader.answer(model, question, context),
                         {"question": TEXT, "context": TEXT}, self.examples()["answer"],
                         "question and context -> answer text, its character span [start, end) and score")]
