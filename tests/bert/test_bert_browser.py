"""Every BERT tab in a real browser, at its edges: an empty or blank input is refused with a
sentence before the model is called, an input past the model's window gets a note saying how
much was read, a malformed one is refused, and the tab then answers a valid request with the
endpoint's numbers."""
import numpy as np
import pytest
from browser_helpers import answer, highlights, label_values, refusal, show_tab, tab_page, table_column, text_of

from demos.backends import InProcessBackend
from demos.bert import build_tab

LONG = "good " * 100
"""100 word pieces, one per word; the tasks' window (conftest.DEMO) holds [CLS], 30 pieces and [SEP]."""
BLANKS = ("", " \n\t ")


@pytest.fixture(scope="module")
def bert_page(demo_endpoints, browser, tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("bert_evaluation")
    with tab_page(browser, build_tab, [(task, InProcessBackend([endpoint]), artifacts)
                                       for task, endpoint in demo_endpoints.values()]) as page:
        yield page


def texts(value: str) -> np.ndarray:
    return np.array([value], dtype=object)


TEXT_TABS = {
    "bert_sentiment": ("Classify", "Type a text to classify first.",
                       "Only the first 30 of its 100 tokens were read: the rest is past the model's 32-token window."),
    "bert_ner": ("Tag", "Type a text to tag first.",
                 "Only the first 30 of its 100 tokens were tagged: the rest is past the model's 32-token window."),
}
"""The tabs of one text: button, the sentence for a blank text, the note for `LONG`."""


@pytest.mark.browser
@pytest.mark.parametrize("name", TEXT_TABS)
def test_a_text_tab_refuses_a_blank_text_and_notes_what_it_did_not_read(bert_page, name):
    button, blank_sentence, long_note = TEXT_TABS[name]
    show_tab(bert_page, name)
    for blank in BLANKS:
        assert refusal(bert_page, button, {f"{name}-text": blank}) == blank_sentence
    assert answer(bert_page, button, {f"{name}-text": LONG}, f"{name}-note") == long_note


@pytest.mark.browser
def test_sentiment_tab_shows_the_endpoints_probabilities(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_sentiment"]
    show_tab(page, "bert_sentiment")
    answer(page, "Classify", {"bert_sentiment-text": "I love it"}, "bert_sentiment-result")
    expected = endpoint(text=texts("I love it"))["probabilities"][0]
    assert label_values(page, "bert_sentiment-result") == pytest.approx(dict(zip(("negative", "neutral", "positive"), expected)), abs=1e-6)
    assert text_of(page, "bert_sentiment-note") == ""


@pytest.mark.browser
def test_entity_tab_shows_the_endpoints_entities(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_ner"]
    sentence = "Anna Weber flew from Berlin to Lyon."
    show_tab(page, "bert_ner")
    answer(page, "Tag", {"bert_ner-text": sentence}, "bert_ner-result")
    out = endpoint(text=texts(sentence))
    count = int(out["count"][0])
    assert highlights(page, "bert_ner-result") == [
        (sentence[int(s):int(e)], label.decode()) for s, e, label in zip(out["start"][0][:count], out["end"][0][:count],
                                                                       out["label"][0][:count])]
    assert text_of(page, "bert_ner-note") == ""


@pytest.mark.browser
def test_question_answering_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_qa"]
    question, context = "What is the capital of Peru?", "Lima is the capital of Peru. Peru lies in South America."
    show_tab(page, "bert_qa")
    assert refusal(page, "Answer", {"bert_qa-question": "", "bert_qa-context": ""}) == \
        "Type a question and a context to find its answer in first."
    assert refusal(page, "Answer", {"bert_qa-question": question, "bert_qa-context": "   "}) == \
        "Type a context to find its answer in first."
    assert answer(page, "Answer", {"bert_qa-question": LONG, "bert_qa-context": context}, "bert_qa-note") == (
        "Only the first 16 of the question's 100 tokens were read: a question may fill at most half of the model's "
        "32-token window (the context is read whole, window by window).")
    answer(page, "Answer", {"bert_qa-question": question}, "bert_qa-result")
    expected = endpoint(question=texts(question), context=texts(context))
    assert highlights(page, "bert_qa-result") == [(expected["answer"][0].decode(), f"answer {expected['score'][0]:.2f}")]
    assert text_of(page, "bert_qa-note") == ""


@pytest.mark.browser
def test_masked_lm_tab(bert_page, demo_endpoints):
    page, (task, endpoint) = bert_page, demo_endpoints["bert_masked_lm"]
    show_tab(page, "bert_masked_lm")
    assert refusal(page, "Fill", {"bert_masked_lm-text": " "}) == "Type a text with a [MASK] first."
    assert refusal(page, "Fill", {"bert_masked_lm-text": "this movie was really good ."}) == \
        "Put [MASK] where a word is missing: the model suggests words for each [MASK]."
    assert answer(page, "Fill", {"bert_masked_lm-text": "[MASK] " + LONG + "[MASK]"}, "bert_masked_lm-note") == (
        "Only the first 30 of its 102 tokens were read: the rest is past the model's 32-token window. "
        "1 of the 2 [MASK] is past it, not filled.")
    answer(page, "Fill", {"bert_masked_lm-text": "the weather is [MASK] today"}, "bert_masked_lm-result")
    expected = endpoint(text=texts("the weather is [MASK] today"))["tokens"][0][0]
    assert table_column(page, "bert_masked_lm-result", 1) == [t.decode() for t in expected]
    assert len(expected) == task.config.top_k and text_of(page, "bert_masked_lm-note") == ""


@pytest.mark.browser
def test_next_sentence_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_next_sentence"]
    first, second = "The capital of Peru is Lima.", "In Peru people pay with the Sol."
    show_tab(page, "bert_next_sentence")
    assert refusal(page, "Judge", {"bert_next_sentence-first": "", "bert_next_sentence-second": ""}) == \
        "Type sentence A and sentence B first."
    assert refusal(page, "Judge", {"bert_next_sentence-first": first}) == "Type sentence B first."
    assert answer(page, "Judge", {"bert_next_sentence-second": LONG}, "bert_next_sentence-note") == (
        "Only 29 of the pair's 107 tokens were read: the sentences are cut, longest first, to fit the model's "
        "32-token window.")
    answer(page, "Judge", {"bert_next_sentence-second": second}, "bert_next_sentence-result")
    probability = float(endpoint(first=texts(first), second=texts(second))["probability_next"][0])
    assert label_values(page, "bert_next_sentence-result") == pytest.approx({"next": probability, "random": 1 - probability}, abs=1e-6)
    assert text_of(page, "bert_next_sentence-note") == ""
