"""The hand-written everyday sets of `bert_ner` and `bert_qa` are well formed (exact spans and
answers, every entity type, sentences without entities), share no text with the training data
each task generates by default, and are scored by each task's `evaluate` beside its test split."""
import collections

import numpy as np
import pytest

import zoo
from zoo.bert.conll import TYPES
from zoo.bert.squad_metrics import overlap_baseline, squad_scores
from zoo.bert.task import in_batches
from zoo.bert.tasks.question_answering import QuestionAnsweringTask
from zoo.bert.token_classification import entity_scores
from zoo.everyday import everyday_items

MIN_ITEMS = 40


@pytest.fixture(scope="module")
def ner_items() -> list[dict]:
    return everyday_items("bert_ner", required=("text", "entities"))


@pytest.fixture(scope="module")
def qa_items() -> list[dict]:
    return everyday_items("bert_qa", required=("context", "question", "answers"))


def test_everyday_sentences_have_exact_ordered_spans_of_every_type(ner_items):
    assert len(ner_items) >= MIN_ITEMS
    kinds = collections.Counter()
    for item in ner_items:
        text, previous_end = item["text"], 0
        for start, end, kind in item["entities"]:
            assert kind in TYPES, item
            assert previous_end <= start < end <= len(text), f"spans in order, inside the text: {item}"
            surface = text[start:end]
            assert surface == surface.strip() and surface[0].isalnum() and surface[-1].isalnum(), f"{surface!r} in {text!r}"
            before, after = text[start - 1:start] or " ", text[end:end + 1] or " "
            assert not before.isalnum() and not after.isalnum(), f"whole words: {surface!r} in {text!r}"
            kinds[kind] += 1
            previous_end = end
    assert all(kinds[kind] >= 15 for kind in TYPES), kinds
    assert sum(not item["entities"] for item in ner_items) >= 5, "sentences with no entity"
    assert len({item["text"] for item in ner_items}) == len(ner_items)


def test_everyday_sentences_decide_a_surface_form_by_its_context(ner_items):
    """The same word is a company in one sentence and a place or part of a person's name in another."""
    labels = collections.defaultdict(set)
    for item in ner_items:
        for start, end, kind in item["entities"]:
            for word in item["text"][start:end].split():
                labels[word.lower()].add(kind)
    ambiguous = {word for word, kinds in labels.items() if len(kinds) > 1}
    assert {"ford", "jordan", "paris", "amazon", "barcelona", "mercedes"} <= ambiguous


def test_everyday_answers_are_exact_substrings_of_their_contexts(qa_items):
    assert len(qa_items) >= MIN_ITEMS
    for item in qa_items:
        assert item["question"].strip().endswith("?"), item
        assert item["answers"], item
        for answer in item["answers"]:
            assert answer and answer == answer.strip() and answer in item["context"], item
    assert len({(item["question"], item["context"]) for item in qa_items}) == len(qa_items)
    assert len({item["context"] for item in qa_items}) >= 30, "varied contexts, not many questions on a few"


def test_no_everyday_text_is_in_the_generated_training_data(ner_items, qa_items):
    train = zoo.get_task("bert_ner").split.train
    assert len(train) == zoo.get_task("bert_ner").config.train_examples
    sentences = set(train.texts)
    for item in ner_items:
        assert item["text"] not in sentences
        assert not any(item["text"] in text for text in train.texts)
    contexts = list(zoo.get_task("bert_qa").split.train.contexts)
    for item in qa_items:
        assert not any(item["context"] in context or context in item["context"] for context in contexts), item["context"]


def test_entity_evaluation_reports_the_everyday_scores_of_the_models_own_tags(tiny_task, ner_items, tmp_path):
    task = tiny_task("bert_ner", sequence_length=32, train_examples=20, validation_examples=4, test_examples=8)
    model = task.build_model()
    report = task.evaluate(model, tmp_path)
    gold = [{tuple(entity) for entity in item["entities"]} for item in ner_items]
    expected = entity_scores(gold, task.predicted_entities(model, [item["text"] for item in ner_items]))
    assert {key: report.metrics[f"everyday_{key}"] for key in expected} == expected
    assert report.metrics["everyday_org_f1"] == expected["org_f1"]
    organizations = sum(kind == "ORG" for entities in gold for _, _, kind in entities)
    assert f"| ORG | {sum(kind == 'ORG' for spans in task.split.test.spans for *_, kind in spans)} | " in report.tables["entity_types"]
    assert f"| {organizations} | {expected['org_f1']:.3f} |" in report.tables["entity_types"]
    assert f"| {expected['entity_f1']:.3f} |" in report.tables["comparison"].splitlines()[2]


def test_question_answering_scores_known_answers(qa_items):
    """Right answers for the first 20 everyday questions, a wrong word for the rest."""
    questions, contexts = (np.array([item[key] for item in qa_items], dtype=object) for key in ("question", "context"))
    answers = [tuple(item["answers"]) for item in qa_items]
    known = {(q, c): (gold[0] if row < 20 else "banana").encode() for row, (q, c, gold) in enumerate(zip(questions, contexts, answers))}
    answer = lambda question, context: {"answer": np.array([known[pair] for pair in zip(question, context)], dtype=object)}
    scores = QuestionAnsweringTask.scores(answer, questions, contexts, answers)
    assert scores["exact_match"] == pytest.approx(20 / len(qa_items)) and scores["f1"] == pytest.approx(20 / len(qa_items))
    baseline = squad_scores(overlap_baseline(questions, contexts), answers)
    assert (scores["baseline_exact_match"], scores["baseline_f1"]) == (baseline["exact_match"], baseline["f1"])


def test_question_answering_evaluation_reports_the_everyday_scores_of_the_models_own_answers(tiny_task, qa_items, tmp_path):
    task = tiny_task("bert_qa", sequence_length=64, window_stride=32, train_examples=20, validation_examples=4, test_examples=8)
    model = task.build_model()
    report = task.evaluate(model, tmp_path)
    questions, contexts = (np.array([item[key] for item in qa_items], dtype=object) for key in ("question", "context"))
    predicted = [a.decode() for a in in_batches(task.endpoints(model)[0], question=questions, context=contexts)["answer"]]
    expected = squad_scores(predicted, [tuple(item["answers"]) for item in qa_items])
    assert (report.metrics["everyday_exact_match"], report.metrics["everyday_f1"]) == (expected["exact_match"], expected["f1"])
    assert f"| {expected['exact_match']:.3f} | {expected['f1']:.3f} |" in report.tables["comparison"].splitlines()[2]
