"""Each BERT endpoint exported with `serving.export.exporter` (verified through the session loader and
tf.saved_model.load) answers edge inputs exactly as the in-process endpoint does."""
import numpy as np
import pytest

from serving.export.exporter import export
from serving.saved_model import SessionModel

LONG = "the quick brown fox jumps over the lazy dog " * 40
EDGE = np.array(["", LONG, b"caf\xc3\xa9 \xff\xfe broken [MASK]", "Anna Weber is [MASK] in Lyon."], dtype=object)
CASES = {
    "bert_sentiment": {"text": EDGE},
    "bert_ner": {"text": EDGE},
    "bert_masked_lm": {"text": EDGE},
    "bert_qa": {"question": np.array(["", "What is long?", "Where?", "Who is in Lyon?"], dtype=object), "context": EDGE},
    "bert_next_sentence": {"first": EDGE, "second": EDGE[::-1].copy()},
}


@pytest.mark.parametrize("name", [
    "bert_sentiment", "bert_masked_lm",
    pytest.param("bert_qa", marks=pytest.mark.slow), pytest.param("bert_ner", marks=pytest.mark.slow),
    pytest.param("bert_next_sentence", marks=pytest.mark.slow),
])
def test_export_matches_in_process_on_edge_inputs(name, tmp_path, tiny_task):
    task = tiny_task(name, sequence_length=32, **({"window_stride": 8} if name == "bert_qa" else {}))
    model = task.build_model()
    endpoint = task.endpoints(model)[0]
    result = export(model, [endpoint], tmp_path / name)
    assert result.verification.ok and {c.loader for c in result.verification.checks} == {"session loader", "tf.saved_model", "saved graph"}
    expected = endpoint(**CASES[name])
    session = SessionModel.load(result.path)
    try:
        served = session.run(endpoint.name, CASES[name])
    finally:
        session.close()
    assert sorted(served) == sorted(expected)
    for key, value in expected.items():
        if value.dtype == object:
            np.testing.assert_array_equal(served[key], value)
        else:
            np.testing.assert_allclose(served[key], value, atol=1e-5)


@pytest.mark.parametrize("name", ["bert_sentiment", "bert_next_sentence"])
def test_a_second_traced_endpoint_over_the_same_task_runs(name, tiny_task):
    """The tokenizer's tables are built outside the first trace, so an export or demo can trace again."""
    task = tiny_task(name, sequence_length=16, train_examples=20, validation_examples=4, test_examples=4)
    model = task.build_model()
    first, second = task.endpoints(model)[0], task.endpoints(model)[0]
    expected = first(**first.examples)
    for key, value in second(**second.examples).items():
        np.testing.assert_array_equal(value, expected[key])
