"""`bert_ner`: named entities (PER/LOC/ORG) with a dense BIO layer over every word piece, trained
on each word's first piece and returned with character offsets into the input text; measured
with entity-level precision, recall and F1, overall and per type, on the test split and on
hand-written everyday sentences (`tests/data/everyday/bert_ner.jsonl`).

    task = zoo.get_task("bert_ner")                      # generated sentences with real names and places
    task = zoo.get_task("bert_ner", data_path="eng.train")   # or a CoNLL file
    model = zoo.train(task)
    task.endpoints(model)[0](text=["Anna Weber flew from Berlin to Lyon."])   # text, label, start, end, score; count
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras
import numpy as np

from zoo.bert.config import EntityConfig
from zoo.bert.conll import LABELS as ENTITY_LABELS
from zoo.bert.conll import TYPES
from zoo.bert.conll import EntityTexts, generate_ner, read_conll
from zoo.bert.task import TEXT, BertTask, in_batches
from zoo.bert.token_classification import EntityTagger, build_token_classifier, entity_scores
from zoo.endpoint import Endpoint
from zoo.everyday import everyday_items
from zoo.tables import markdown_table
from zoo.task import Report, Splits


class EntityTask(BertTask):
    """Named entities (PER/LOC/ORG, BIO) with a dense layer over every word piece."""

    config_class = EntityConfig
    config: EntityConfig

    @functools.cached_property
    def split(self) -> Splits[EntityTexts]:
        return self.read_or_generate(self.config.data_path, read_conll, generate_ner)

    @functools.cached_property
    def tagger(self) -> EntityTagger:
        return EntityTagger(self.tokenizer, self.config.sequence_length)

    def datasets(self) -> Splits:
        return self.encoded_splits(self.tagger.training_data)

    def build_model(self) -> keras.Model:
        return build_token_classifier(self.backbone(), len(ENTITY_LABELS))

    def compile(self, model: keras.Model) -> None:
        model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate), loss=self.loss(), weighted_metrics=["accuracy"])

    def predicted_entities(self, model: keras.Model, texts: list[str]) -> list[set]:
        out = in_batches(self.endpoints(model)[0], text=np.array(texts, dtype=object))
        return [
            {(int(s), int(e), label.decode()) for s, e, label in zip(starts[:n], ends[:n], labels[:n])}
            for starts, ends, labels, n in zip(out["start"], out["end"], out["label"], out["count"])
        ]

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        """Entity precision, recall and F1, overall and per type, on the test split and, as
        `everyday_*`, on the hand-written everyday sentences."""
        test = self.split.test
        everyday = everyday_items(self.name, required=("text", "entities"))
        everyday_gold = [{tuple(entity) for entity in item["entities"]} for item in everyday]
        scores = {
            "": entity_scores([set(spans) for spans in test.spans], self.predicted_entities(model, test.texts)),
            "everyday_": entity_scores(everyday_gold, self.predicted_entities(model, [item["text"] for item in everyday])),
        }
        metrics = {prefix + key: value for prefix, part in scores.items() for key, value in part.items()}
        overall = ("entity_precision", "entity_recall", "entity_f1")
        comparison = markdown_table(
            ["model", *(f"{split} {name}" for split in ("test", "everyday") for name in ("precision", "recall", "F1"))],
            [[f"BERT ({self.config.backbone})", *(f"{metrics[prefix + key]:.3f}" for prefix in scores for key in overall)],
             ["all O (trivial)", *["0.000"] * 6]])
        gold_count = lambda spans, kind: sum(entity[2] == kind for entities in spans for entity in entities)
        types = markdown_table(["type", "test entities", "test F1", "everyday entities", "everyday F1"], [
            [kind, gold_count(test.spans, kind), f"{metrics[f'{kind.lower()}_f1']:.3f}",
             gold_count(everyday_gold, kind), f"{metrics[f'everyday_{kind.lower()}_f1']:.3f}"] for kind in TYPES])
        return Report(metrics, {"comparison": comparison, "entity_types": types})

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        texts = ["Anna Weber flew from Berlin to Lyon to meet the board of Siemens.",
                 "Shares of Volkswagen fell after its chief met investors in Frankfurt.", ""]
        return {"tag": {"text": np.array(texts, dtype=object)}}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        self.build_eagerly("tagger")
        return [Endpoint("tag", lambda text: self.tagger.tag(model, text), {"text": TEXT}, self.examples()["tag"],
                         "texts -> entities: text, label (PER/LOC/ORG), character span [start, end), score; count per text")]
