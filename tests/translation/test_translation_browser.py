"""The translation tab in a real browser, at its edges: an empty or blank text is refused with a
sentence, a text past the model's source window gets a note saying how much was read, one in a
script the vocabulary lacks a note saying how much was unknown, and the tab then translates a
valid text as the endpoint does."""
import numpy as np
import pytest
from browser_helpers import click, click_and_wait, error_message, open_page, served, set_text, show_tab, tabs_app, text_of

from demos.backends import InProcessBackend
from demos.translation import build_tab
from zoo.translation.task import decoding_settings


@pytest.fixture(scope="module")
def translation_page(trained, browser, tmp_path_factory):
    app = tabs_app(build_tab, [(trained.task, InProcessBackend(trained.endpoints), tmp_path_factory.mktemp("evaluation"))])
    with served(app) as url:
        page = open_page(browser, url)
        show_tab(page, trained.task.name)
        yield page
        page.close()


@pytest.mark.browser
def test_translation_tab_at_its_edges(translation_page, trained):
    page, name = translation_page, trained.task.name
    assert trained.task.config.source_length == 16
    for empty in ("", "  \n "):
        set_text(page, f"{name}-text", empty)
        click(page, "Translate")
        assert error_message(page) == "Type a Spanish text to translate first."
    set_text(page, f"{name}-text", "y " * 40)   # "y" is one token of the number words' vocabulary
    assert click_and_wait(page, "Translate", f"{name}-note") == \
        "Only the first 15 of its 40 tokens were read: the rest is past the model's 16-token window."
    set_text(page, f"{name}-text", "Καλημέρα κόσμε")   # two words in letters the vocabulary has never seen
    assert click_and_wait(page, "Translate", f"{name}-note") == \
        "2 of its 2 tokens are not in the model's Spanish vocabulary: it reads them as [UNK]."
    set_text(page, f"{name}-text", "veintitrés")
    assert click_and_wait(page, "Translate", f"{name}-note") == ""
    expected = trained.endpoints[0](text=np.array(["veintitrés"], dtype=object),
                                    **decoding_settings(trained.task.config.beam_width, trained.task.config.max_output_tokens))
    assert text_of(page, f"{name}-output") == expected["translation"][0].decode()
