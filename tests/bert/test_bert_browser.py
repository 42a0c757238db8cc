"""Every BERT tab in a real browser, at its edges: an empty or blank input is refused with a
sentence before the model is called, an input past the model's window gets a note saying how
much was read, a malformed one is refused, and the tab then answers a valid request with the
endpoint's numbers."""
import numpy as np
import pytest
from browser_helpers import (click, click_and_wait, error_message, highlights, label_values, open_page, served,
                             set_text, show_tab, table_column, tabs_app, text_of)

from demos.backends import InProcessBackend
from demos.bert import build_tab

LONG = "good " * 100
"""100 word pieces, one per word; the tasks' window (conftest.DEMO) holds [CLS], 30 pieces and [SEP]."""


@pytest.fixture(scope="module")
def bert_page(demo_endpoints, browser, tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("bert_evaluation")
    app = tabs_app(build_tab, [(task, InProcessBackend([endpoint]), artifacts) for task, endpoint in demo_endpoints.values()])
    with served(app) as url:
        page = open_page(browser, url)
        yield page
        page.close()


def texts(value: str) -> np.ndarray:
    return np.array([value], dtype=object)


@pytest.mark.browser
def test_sentiment_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_sentiment"]
    show_tab(page, "bert_sentiment")
    for empty in ("", " \n\t "):
        set_text(page, "bert_sentiment-text", empty)
        click(page, "Classify")
        assert error_message(page) == "Type a text to classify first."
    set_text(page, "bert_sentiment-text", LONG)
    click_and_wait(page, "Classify", "bert_sentiment-note")
    assert text_of(page, "bert_sentiment-note") == \
        "Only the first 30 of its 100 tokens were read: the rest is past the model's 32-token window."
    set_text(page, "bert_sentiment-text", "I love it")
    click_and_wait(page, "Classify", "bert_sentiment-result")
    expected = endpoint(text=texts("I love it"))["probabilities"][0]
    assert label_values(page, "bert_sentiment-result") == pytest.approx(dict(zip(("negative", "neutral", "positive"), expected)), abs=1e-6)
    assert text_of(page, "bert_sentiment-note") == ""


@pytest.mark.browser
def test_question_answering_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_qa"]
    context = "Lima is the capital of Peru. Peru lies in South America."
    show_tab(page, "bert_qa")
    set_text(page, "bert_qa-question", "")
    set_text(page, "bert_qa-context", "")
    click(page, "Answer")
    assert error_message(page) == "Type a question and a context to find its answer in first."
    set_text(page, "bert_qa-question", "What is the capital of Peru?")
    set_text(page, "bert_qa-context", "   ")
    click(page, "Answer")
    assert error_message(page) == "Type a context to find its answer in first."
    set_text(page, "bert_qa-context", context)
    set_text(page, "bert_qa-question", LONG)
    click_and_wait(page, "Answer", "bert_qa-note")
    assert text_of(page, "bert_qa-note") == ("Only the first 16 of the question's 100 tokens were read: a question may fill at most "
                                             "half of the model's 32-token window (the context is read whole, window by window).")
    set_text(page, "bert_qa-question", "What is the capital of Peru?")
    click_and_wait(page, "Answer", "bert_qa-result")
    expected = endpoint(question=texts("What is the capital of Peru?"), context=texts(context))
    assert highlights(page, "bert_qa-result") == [(expected["answer"][0].decode(), f"answer {expected['score'][0]:.2f}")]
    assert text_of(page, "bert_qa-note") == ""


@pytest.mark.browser
def test_entity_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_ner"]
    show_tab(page, "bert_ner")
    for empty in ("", "\n\n"):
        set_text(page, "bert_ner-text", empty)
        click(page, "Tag")
        assert error_message(page) == "Type a text to tag first."
    set_text(page, "bert_ner-text", LONG)
    click_and_wait(page, "Tag", "bert_ner-note")
    assert text_of(page, "bert_ner-note") == \
        "Only the first 30 of its 100 tokens were tagged: the rest is past the model's 32-token window."
    sentence = "Anna Weber flew from Berlin to Lyon."
    set_text(page, "bert_ner-text", sentence)
    click_and_wait(page, "Tag", "bert_ner-note")
    expected = endpoint(text=texts(sentence))
    count = int(expected["count"][0])
    assert highlights(page, "bert_ner-result") == [
        (sentence[int(s):int(e)], label.decode()) for s, e, label in zip(expected["start"][0][:count], expected["end"][0][:count],
                                                                       expected["label"][0][:count])]
    assert text_of(page, "bert_ner-note") == ""


@pytest.mark.browser
def test_masked_lm_tab(bert_page, demo_endpoints):
    page, (task, endpoint) = bert_page, demo_endpoints["bert_masked_lm"]
    show_tab(page, "bert_masked_lm")
    set_text(page, "bert_masked_lm-text", " ")
    click(page, "Fill")
    assert error_message(page) == "Type a text with a [MASK] first."
    set_text(page, "bert_masked_lm-text", "this movie was really good .")
    click(page, "Fill")
    assert error_message(page) == "Put [MASK] where a word is missing: the model suggests words for each [MASK]."
    set_text(page, "bert_masked_lm-text", "[MASK] " + LONG + "[MASK]")
    click_and_wait(page, "Fill", "bert_masked_lm-note")
    assert text_of(page, "bert_masked_lm-note") == ("Only the first 30 of its 102 tokens were read: the rest is past the "
                                                    "model's 32-token window. 1 of the 2 [MASK] is past it, not filled.")
    set_text(page, "bert_masked_lm-text", "the weather is [MASK] today")
    click_and_wait(page, "Fill", "bert_masked_lm-result")
    expected = endpoint(text=texts("the weather is [MASK] today"))["tokens"][0][0]
    assert table_column(page, "bert_masked_lm-result", 1) == [t.decode() for t in expected]
    assert len(expected) == task.config.top_k and text_of(page, "bert_masked_lm-note") == ""


@pytest.mark.browser
def test_next_sentence_tab(bert_page, demo_endpoints):
    page, (_, endpoint) = bert_page, demo_endpoints["bert_next_sentence"]
    show_tab(page, "bert_next_sentence")
    set_text(page, "bert_next_sentence-first", "")
    set_text(page, "bert_next_sentence-second", "")
    click(page, "Judge")
    assert error_message(page) == "Type sentence A and sentence B first."
    set_text(page, "bert_next_sentence-first", "The capital of Peru is Lima.")
    click(page, "Judge")
    assert error_message(page) == "Type sentence B first."
    set_text(page, "bert_next_sentence-second", LONG)
    click_and_wait(page, "Judge", "bert_next_sentence-note")
    assert text_of(page, "bert_next_sentence-note") == ("Only 29 of the pair's 107 tokens were read: the sentences are cut, "
                                                        "longest first, to fit the model's 32-token window.")
    second = "In Peru people pay with the Sol."
    set_text(page, "bert_next_sentence-second", second)
    click_and_wait(page, "Judge", "bert_next_sentence-result")
    probability = float(endpoint(first=texts("The capital of Peru is Lima."), second=texts(second))["probability_next"][0])
    assert label_values(page, "bert_next_sentence-result") == pytest.approx({"next": probability, "random": 1 - probability}, abs=1e-6)
    assert text_of(page, "bert_next_sentence-note") == ""
