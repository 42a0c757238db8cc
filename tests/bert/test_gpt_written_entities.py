"""How the GPT-written NER sentences are asked for and labelled (the generation itself runs in
`python -m zoo experiment gpt-written-entities`)."""
from zoo.bert.names import entity_pools
from zoo.experiments.gpt_written_entities import REQUESTS, labelled, requests


def test_a_sentence_is_labelled_with_the_spans_of_the_names_it_was_asked_for():
    names = (("Anna Weber", "PER"), ("Siemens", "ORG"), ("Lyon", "LOC"))
    text, spans = labelled('"Anna Weber told Siemens staff in Lyon about the plan."\nMore text.', names)
    assert text == "Anna Weber told Siemens staff in Lyon about the plan."
    assert spans == ((0, 10, "PER"), (16, 23, "ORG"), (33, 37, "LOC"))
    assert [text[start:end] for start, end, _ in spans] == ["Anna Weber", "Siemens", "Lyon"]


def test_a_sentence_missing_repeating_or_nesting_a_name_is_dropped():
    names = (("Lyon", "LOC"), ("FC Lyon", "ORG"))
    assert labelled("FC Lyon won in Lyon.", names) is None, "Lyon twice, once inside FC Lyon"
    assert labelled("Siemens opened an office.", (("Siemens", "ORG"), ("Lyon", "LOC"))) is None
    assert labelled("Lyons is a town.", (("Lyon", "LOC"),)) is None, "a name only as part of a word"
    assert labelled("Two Siemens offices: Siemens Berlin.", (("Siemens", "ORG"),)) is None


def test_prompts_name_training_pool_entities_of_the_types_they_ask_for():
    asked = requests(40, seed=0)
    train_places = set(entity_pools(0).train.places)
    test_places = set(entity_pools(0).test.places)
    assert len(asked) == 40
    for index, (prompt, names) in enumerate(asked):
        assert tuple(kind for _, kind in names) == REQUESTS[index % len(REQUESTS)][1]
        assert all(name in prompt for name, _ in names)
    places = {name for _, names in asked for name, kind in names if kind == "LOC" and name in train_places | test_places}
    assert places and places <= train_places, "held-out places never reach the GPT's prompts"
