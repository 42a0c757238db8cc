"""The translation tab in a real browser, at its edges: an empty or blank text is refused with a
sentence, a text past the model's source window gets a note saying how much was read, one in a
script the vocabulary lacks a note saying how much was unknown, and the tab then translates a
valid text as the endpoint does."""
import numpy as np
import pytest
from browser_helpers import answer, refusal, tab_page, text_of

from demos.backends import InProcessBackend
from demos.translation import build_tab
from zoo.translation.task import decoding_settings


@pytest.fixture(scope="module")
def translation_page(trained, browser, tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("evaluation")
    with tab_page(browser, build_tab, [(trained.task, InProcessBackend(trained.endpoints), artifacts)]) as page:
        yield page


@pytest.mark.browser
def test_translation_tab_at_its_edges(translation_page, trained):
    page, c = translation_page, trained.task.config
    text, note = f"{trained.task.name}-text", f"{trained.task.name}-note"
    assert c.source_length == 16
    for blank in ("", "  \n "):
        assert refusal(page, "Translate", {text: blank}) == "Type a Spanish text to translate first."
    assert answer(page, "Translate", {text: "y " * 40}, note) == \
        "Only the first 15 of its 40 tokens were read: the rest is past the model's 16-token window."   # "y": one token
    assert answer(page, "Translate", {text: "Καλημέρα κόσμε"}, note) == \
        "2 of its 2 tokens are not in the model's Spanish vocabulary: it reads them as [UNK]."   # letters never seen
    assert answer(page, "Translate", {text: "veintitrés"}, note) == ""
    expected = trained.endpoints[0](text=np.array(["veintitrés"], dtype=object), **decoding_settings(c.beam_width, c.max_output_tokens))
    assert text_of(page, f"{trained.task.name}-output") == expected["translation"][0].decode()
