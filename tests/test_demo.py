"""The demo app, started for real on loopback and driven through gradio_client and Chromium."""
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import click_and_wait, framed_figure, open_page, served, shown_whole, upload, upload_refusals
from PIL import Image

from demos.app import build_app
from zoo.progress import read_progress

ROOT = Path(__file__).resolve().parent.parent

DIGIT_INDEX = 0
FIGURES = {"comparison.png": (600, 400), "reconstructions.png": (1320, 240)}
"""The autoencoder's evaluation figures and their sizes, drawn here as framed stand-ins."""


@pytest.fixture(scope="module")
def demo_url(trained_run, tmp_path_factory):
    """The app on a copy of the trained run, with evaluation figures the size `evaluate` draws them."""
    workdir = tmp_path_factory.mktemp("demo_models")
    run = shutil.copytree(trained_run.workdir / "conv_autoencoder", workdir / "conv_autoencoder")
    (run / "evaluation").mkdir(exist_ok=True)
    for name, (width, height) in FIGURES.items():
        framed_figure(run / "evaluation" / name, width, height)
    with served(build_app(["conv_autoencoder"], workdir)) as url:
        yield url


@pytest.fixture(scope="module")
def demo_page(demo_url, browser):
    page = open_page(browser, demo_url, width=1400, height=1100)
    yield page
    page.close()


@pytest.fixture(scope="module")
def digit_png(trained_run, tmp_path_factory):
    """A held-out digit drawn dark on light at 64x64, as a user would upload it."""
    image = trained_run.task.split.test.images[DIGIT_INDEX][..., 0]
    picture = Image.fromarray((255 - image * 255).astype("uint8")).resize((64, 64), Image.NEAREST)
    path = tmp_path_factory.mktemp("upload") / "digit.png"
    picture.save(path)
    return path


def expected_reconstruction(trained_run, png_path):
    endpoint = {e.name: e for e in trained_run.task.endpoints(trained_run.model)}["reconstruct_image_bytes"]
    return endpoint(image_bytes=np.array([png_path.read_bytes()], dtype=object))


def test_gradio_client_gets_the_models_reconstruction(demo_url, digit_png, trained_run):
    from gradio_client import Client, handle_file

    client = Client(demo_url, verbose=False)
    model_input, reconstruction, code, _plot = client.predict(
        None, handle_file(str(digit_png)), 0.0, api_name="/conv_autoencoder_reconstruct"
    )
    expected = expected_reconstruction(trained_run, digit_png)
    shown = np.asarray(Image.open(reconstruction).convert("L"), "float32") / 255
    small = shown[:: shown.shape[0] // 8, :: shown.shape[1] // 8][:8, :8]
    np.testing.assert_allclose(small, expected["reconstructions"][0][..., 0], atol=2 / 255)
    assert [float(v) for v in code.split(", ")] == pytest.approx(expected["codes"][0].tolist(), abs=1e-3)
    seen = np.asarray(Image.open(model_input).convert("L"), "float32") / 255
    original = trained_run.task.split.test.images[DIGIT_INDEX][..., 0]
    assert np.abs(seen[:: seen.shape[0] // 8, :: seen.shape[1] // 8][:8, :8] - original).mean() < 0.1, \
        "the dark-on-light upload is decoded back to the training format"


def test_an_empty_request_gets_a_message_not_a_crash(demo_url):
    from gradio_client import Client

    client = Client(demo_url, verbose=False)
    with pytest.raises(Exception, match="Draw something on the canvas or upload an image first"):
        client.predict(None, None, 0.0, api_name="/conv_autoencoder_reconstruct")
    assert client.view_api(return_format="dict") is not None, "the app still answers"


def test_a_non_image_upload_is_reported(trained_run):
    from demos.backends import InProcessBackend
    from zoo.errors import ZooError

    backend = InProcessBackend(trained_run.task.endpoints(trained_run.model))
    with pytest.raises(ZooError, match="rejected its input"):
        backend.predict({"image_bytes": np.array([b"not an image"], dtype=object)}, "reconstruct_image_bytes")


def shows_the_models_code(page, trained_run, png: Path) -> bool:
    """Upload `png`, reconstruct it, and compare the code the page shows with the endpoint's."""
    upload(page, "conv_autoencoder-upload", png)
    code = click_and_wait(page, "Reconstruct", "conv_autoencoder-code")
    expected = expected_reconstruction(trained_run, png)["codes"][0]
    return [float(v) for v in code.split(", ")] == pytest.approx(expected.tolist(), abs=1e-3)


@pytest.mark.browser
def test_reconstruction_appears_in_a_real_browser(demo_page, digit_png, artifacts_dir, trained_run):
    page = demo_page
    assert shows_the_models_code(page, trained_run, digit_png)
    image = page.locator("#conv_autoencoder-reconstruction img")
    image.wait_for(state="visible")
    page.screenshot(path=str(artifacts_dir / "demo_autoencoder.png"), full_page=True)
    picture = np.asarray(Image.open(io.BytesIO(image.screenshot())).convert("L"), "float32")
    assert picture.std() > 20, "the reconstruction shows a digit, not a blank box"


@pytest.mark.browser
def test_empty_oversized_and_corrupt_uploads_get_sentences_and_the_tab_still_answers(demo_page, digit_png, trained_run, tmp_path):
    page = demo_page
    page.reload()   # no image in the upload
    page.get_by_role("button", name="Reconstruct", exact=True).wait_for()
    assert upload_refusals(page, "conv_autoencoder-upload", "Reconstruct", tmp_path, too_large="huge") == [
        "Draw something on the canvas or upload an image first.",
        "That image is too large: 10,000,000,000 pixels; at most 178,956,970 pixels are accepted.",
        "That file is not an image Pillow can read: cannot identify image file 'corrupt.png'."]
    assert shows_the_models_code(page, trained_run, digit_png)


@pytest.mark.browser
def test_evaluation_figures_are_shown_whole(demo_page):
    thumbnails = demo_page.locator("#conv_autoencoder-figures img")
    thumbnails.first.wait_for()
    assert thumbnails.count() == len(FIGURES)
    for thumbnail, (name, (width, height)) in zip(thumbnails.all(), FIGURES.items()):
        assert shown_whole(thumbnail.screenshot(), width, height), f"{name} is cropped or stretched in the gallery"


def _free_ports(count: int) -> list[int]:
    ports = []
    for _ in range(count):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    return ports


@pytest.mark.browser
def test_quickstart_shows_the_page_first_then_a_tab_goes_from_training_to_answering(trained_run, tmp_path, digit_png, artifacts_dir, browser):
    """`python -m zoo quickstart`, end to end: the page is up before the model is trained; the
    tab shows the worker training, then switches to the served model without a reload, the
    browser's answer is the model server's, and the worker evaluates the model afterwards."""
    from serving.client import connect

    workdir, exports = tmp_path / "models", tmp_path / "exports"
    (workdir / "conv_autoencoder").mkdir(parents=True)
    shutil.copy(trained_run.workdir / "conv_autoencoder" / "config.json", workdir / "conv_autoencoder")
    grpc_port, rest_port, demo_port = _free_ports(3)
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo", "quickstart", "--tasks", "conv_autoencoder", "--workdir", workdir,
         "--exports", exports, "--grpc-port", str(grpc_port), "--rest-port", str(rest_port),
         "--port", str(demo_port), "--no-browser"],
        cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    demo_url = f"http://127.0.0.1:{demo_port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the demo page did not come up"
            try:
                urllib.request.urlopen(demo_url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        assert not (workdir / "conv_autoencoder" / "model.keras").exists(), "the page is up before the model is trained"
        page = open_page(browser, demo_url)
        try:
            status = page.locator(".live-status").first
            assert "Not live yet" in status.inner_text()
            button = page.get_by_role("button", name="Reconstruct", exact=True)
            assert not button.is_visible(), "no controls before the model is served"
            page.wait_for_function("() => document.querySelector('.live-status').innerText.includes('training')",
                                   timeout=120_000)
            page.screenshot(path=str(artifacts_dir / "demo_training.png"), full_page=True)
            button.wait_for(state="visible", timeout=300_000)
            assert "Live" in status.inner_text()
            upload(page, "conv_autoencoder-upload", digit_png)
            shown = click_and_wait(page, "Reconstruct", "conv_autoencoder-code")
            page.screenshot(path=str(artifacts_dir / "demo_live.png"), full_page=True)
        finally:
            page.close()
        served = connect(f"http://127.0.0.1:{rest_port}", "conv_autoencoder").predict(
            {"image_bytes": np.array([digit_png.read_bytes()], dtype=object)}, signature_name="reconstruct_image_bytes")
        assert [float(v) for v in shown.split(", ")] == pytest.approx(served["codes"][0].tolist(), abs=1e-3)
        progress, deadline = workdir / "conv_autoencoder" / "progress.json", time.monotonic() + 300
        while getattr(read_progress(progress), "phase", None) != "ready":
            assert time.monotonic() < deadline, "the worker evaluates the model once it is served"
            time.sleep(1)
        assert (workdir / "conv_autoencoder" / "evaluation" / "metrics.json").is_file()
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=90)[0]
    assert "conv_autoencoder: training" in output and "conv_autoencoder: ready" in output, output
    assert "oneDNN" not in output and "absl::InitializeLog" not in output, "C++ start-up noise reached the console"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{rest_port}/v1/models/conv_autoencoder", timeout=2)
