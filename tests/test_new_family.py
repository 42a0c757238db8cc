"""The README's "Adding a family", done: one folder (tests/data/new_family/linear, a family
written by the template) plus one registry line, and the command line's workflow, the export
and the demo work for it with no other change."""
import numpy as np
import pytest

import zoo
import zoo.registry
from zoo.workflow import Step, Workflow, load_trained

FOLDER = __import__("pathlib").Path(__file__).parent / "data" / "new_family"


@pytest.fixture
def linear_family(monkeypatch):
    monkeypatch.setattr(zoo, "__path__", [*zoo.__path__, str(FOLDER)])
    monkeypatch.setattr(zoo.registry, "FAMILIES", (*zoo.registry.FAMILIES, "linear"))  # the one registry line


def test_a_new_family_trains_exports_and_demos_with_no_other_change(linear_family, tmp_path):
    from gradio_client import Client

    from demos.app import build_app
    from serving.saved_model import SessionModel

    assert "linear" in zoo.tasks()
    flow = Workflow(tmp_path / "models", tmp_path / "exports", verbose=0)
    assert flow.build([Step("linear")]) == []
    metrics = (flow.run("linear").evaluation / "metrics.json").read_text()
    assert float(__import__("json").loads(metrics)["test_mse"]) < 0.01
    served = SessionModel.load(tmp_path / "exports" / "linear" / "1").run("predict", {"x": np.array([[2.0]], "float32")})
    assert served["y"][0, 0] == pytest.approx(5.0, abs=0.1)

    app = build_app(["linear"], tmp_path / "models")
    shown = [component.get("props", {}).get("value") for component in app.config["components"]]
    assert "predict" in shown and '{"x": [[0.0], [1.0]]}' in shown, "the generic tab starts from the endpoint's examples"
    app.queue().launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        answer = Client(app.local_url, verbose=False).predict("predict", '{"x": [[2.0]]}', api_name="/linear_predict")
    finally:
        app.close()
    assert answer["y"][0][0] == pytest.approx(float(load_trained("linear", tmp_path / "models")[1].predict(np.array([[2.0]]), verbose=0)[0, 0]), abs=1e-5)
