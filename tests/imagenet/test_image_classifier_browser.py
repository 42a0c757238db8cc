"""The image classifier tab in a real browser, at its edges: no image, an image over the pixels
the model takes and a file Pillow cannot read are each refused with a sentence, and the tab then
shows the endpoint's classes for a test image."""
import pytest
from browser_helpers import click_and_wait, label_values, tab_page, upload, upload_refusals
from PIL import Image

import zoo
from demos.backends import InProcessBackend
from demos.examples import example_files
from demos.imagenet import build_tab, top_classes


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """The face classifier at 32 px, untrained, its backend and its tab's artifacts folder."""
    task = zoo.get_task("face_classifier_scratch", image_size=32)
    return task, InProcessBackend(task.endpoints(task.build_model())), tmp_path_factory.mktemp("evaluation")


@pytest.mark.browser
def test_image_classifier_tab_at_its_edges(classifier, browser, tmp_path):
    task, backend, artifacts = classifier
    with tab_page(browser, build_tab, [classifier]) as page:
        assert upload_refusals(page, f"{task.name}-upload", "Classify", tmp_path) == [
            "Upload an image or pick an example first.",
            "That image is too large: 8,000 x 8,000 pixels; at most 50,000,000 pixels are accepted.",
            "That file is not an image Pillow can read: cannot identify image file 'corrupt.png'."]
        photo = example_files(task, "classify", "image_bytes", artifacts / "examples")[0]
        upload(page, f"{task.name}-upload", photo)
        click_and_wait(page, "Classify", f"{task.name}-classes")
        expected = top_classes(backend, Image.open(photo).convert("RGBA"))
        assert label_values(page, f"{task.name}-classes") == pytest.approx(expected, abs=1e-6)
