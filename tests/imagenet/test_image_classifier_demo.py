"""The classifier tab answers with the backend's top classes, likeliest first."""
import numpy as np
import pytest
from PIL import Image

import zoo
from demos.backends import InProcessBackend
from demos.imagenet import build_tab, top_classes


def test_tab_builds_and_its_answer_is_the_endpoints(tmp_path):
    import gradio as gr

    task = zoo.get_task("face_classifier_scratch", image_size=32)
    model = task.build_model()
    backend = InProcessBackend(task.endpoints(model))
    picture = Image.fromarray(np.full((40, 60, 3), 200, "uint8"))
    answer = top_classes(backend, picture)
    assert set(answer) == {"face", "not a face"} and abs(sum(answer.values()) - 1) < 1e-5
    assert list(answer.values()) == sorted(answer.values(), reverse=True)
    with gr.Blocks():
        build_tab(task, backend, tmp_path)
    assert len(list((tmp_path / "examples").glob("*.png"))) == 8


@pytest.mark.slow
def test_imagenet_tab_names_the_coffee_photo():
    from skimage import data

    task = zoo.get_task("image_classifier")
    answer = top_classes(InProcessBackend(task.endpoints(task.build_model())), Image.fromarray(data.coffee()))
    assert next(iter(answer)) == "espresso" and answer["espresso"] > 0.8 and len(answer) == 5
