"""`bert_qa`: extractive question answering. A `SpanHead` scores each word piece as the answer's
start or end over a sliding window of the context; decoding picks the best legal span. Measured
with SQuAD's exact match and F1 against the best word-overlap sentence.

    task = zoo.get_task("bert_qa")                       # generated country questions
    task = zoo.get_task("bert_qa", data_path="train-v1.1.json")   # or SQuAD v1.1
    model = zoo.train(task)
    task.endpoints(model)[0](question=["What is the capital of Peru?"], context=["... Lima ..."])
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.bert.config import QuestionAnsweringConfig
from zoo.bert.question_answering import QuestionAnswering, build_span_model, byte_offsets
from zoo.bert.squad import QAExamples, generate_qa, read_squad
from zoo.bert.squad_metrics import overlap_baseline, squad_scores
from zoo.bert.task import TEXT, BertTask, in_batches
from zoo.endpoint import Endpoint
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
        test = self.split.test
        answer = self.endpoints(model)[0]
        predicted = [a.decode("utf-8") for a in in_batches(answer, context=test.contexts, question=test.questions)["answer"]]
        baseline = squad_scores(overlap_baseline(test.questions, test.contexts), test.answers)
        metrics = {**squad_scores(predicted, test.answers), **{f"baseline_{k}": v for k, v in baseline.items()}}
        table = markdown_table(["model", "exact match", "F1"], [
            [f"BERT ({self.config.backbone})", f"{metrics['exact_match']:.3f}", f"{metrics['f1']:.3f}"],
            ["word-overlap sentence", f"{metrics['baseline_exact_match']:.3f}", f"{metrics['baseline_f1']:.3f}"],
        ])
        return Report(metrics, {"comparison": table})

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        test = self.split.test
        return {"answer": {"question": np.array([test.questions[0], "Who?"], dtype=object),
                           "context": np.array([test.contexts[0], ""], dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("reader")
        return [Endpoint("answer", lambda question, context: self.reader.answer(model, question, context),
                         {"question": TEXT, "context": TEXT}, self.examples()["answer"],
                         "question and context -> answer text, its character span [start, end) and score")]
