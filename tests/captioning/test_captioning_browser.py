"""The captioning tab in a real browser, at its edges: no image, an image over the pixels the
model takes and a file Pillow cannot read are each refused with a sentence, and the tab then
captions a held-out image as the endpoint does."""
import pytest
from browser_helpers import click_and_wait, tab_page, upload, upload_refusals
from PIL import Image

from demos.backends import InProcessBackend
from demos.captioning import build_tab, caption_picture


@pytest.fixture(scope="module")
def captioning_page(tiny_run, browser, tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("evaluation")
    with tab_page(browser, build_tab, [(tiny_run.task, InProcessBackend([tiny_run.endpoint]), artifacts)]) as page:
        yield page


@pytest.mark.browser
def test_captioning_tab_at_its_edges(captioning_page, tiny_run, tmp_path):
    page, name = captioning_page, tiny_run.task.name
    assert upload_refusals(page, f"{name}-upload", "Caption", tmp_path) == [
        "Upload an image or pick an example first.",
        "That image is too large: 8,000 x 8,000 pixels; at most 50,000,000 pixels are accepted.",
        "That file is not an image Pillow can read: cannot identify image file 'corrupt.png'."]
    held_out = tiny_run.task.split.test.files[0]
    upload(page, f"{name}-upload", held_out)
    caption = click_and_wait(page, "Caption", f"{name}-caption")
    picture = Image.open(held_out).convert("RGBA")   # what the tab's upload hands its function
    assert caption == caption_picture(InProcessBackend([tiny_run.endpoint]), picture, tiny_run.task.config.beam_width)[0]
