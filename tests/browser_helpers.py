"""Driving demo tabs in a real headless Chromium (Debian's `chromium`), for the browser tests of
every family. The `browser` fixture (tests/conftest.py) launches one per test module.

    app = tabs_app(build_tab, [(task, InProcessBackend(task.endpoints(model)), artifacts_dir)])
    with served(app) as url:
        page = open_page(browser, url)
        show_tab(page, task.name)
        page.get_by_role("button", name="Classify", exact=True).click()
        assert error_message(page) == "Type a text to classify first."
"""
from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000
"""How long a step may take: a model's first call traces its graph."""


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """`app` queued and served on loopback; yields its URL."""
    app.queue().launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url
    finally:
        app.close()


def tabs_app(build_tab: Callable, tabs: Sequence[tuple[object, object, Path]]):
    """A Blocks app with a tab per (task, backend, artifacts_dir), each laid out by `build_tab`,
    as `demos.app` lays out a family's tasks."""
    import gradio as gr

    with gr.Blocks() as app, gr.Tabs():
        for task, backend, artifacts_dir in tabs:
            with gr.Tab(task.name.replace("_", " "), id=task.name):
                build_tab(task, backend, artifacts_dir)
    return app


@contextlib.contextmanager
def tab_page(browser, build_tab: Callable, tabs: Sequence[tuple[object, object, Path]]) -> Iterator:
    """A page on `tabs_app(build_tab, tabs)`, served meanwhile, showing the first tab."""
    with served(tabs_app(build_tab, tabs)) as url:
        page = open_page(browser, url)
        try:
            show_tab(page, tabs[0][0].name)
            yield page
        finally:
            page.close()


def open_page(browser, url: str, width: int = 1280, height: int = 1000):
    """A new page showing the app at `url`, once its first button is on screen."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="domcontentloaded")
    page.locator("button").first.wait_for()
    return page


def show_tab(page, task_name: str) -> None:
    """Select the tab of `task_name` (labelled with spaces for underscores) and let it render:
    Gradio renders a tab's components the first time it is shown."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=task_name.replace("_", " "), exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def click(page, label: str) -> None:
    """Click the visible button labelled `label`."""
    page.get_by_role("button", name=label, exact=True).locator("visible=true").click()


_SHOWN = """el => {
    const box = el.querySelector('textarea, input');
    return (box ? box.value : '') + '\\u0000' + el.innerHTML;
}"""
"""What a component shows: its text field's value, if any, and its HTML."""


def fill(page, texts: dict[str, str]) -> None:
    """Type each text into the text field of its element id, again if a tab rendering late put
    a field's starting value back."""
    for _ in range(3):
        for elem_id, text in texts.items():
            field(page, elem_id).fill(text)
        page.wait_for_timeout(100)
        if all(field(page, elem_id).input_value() == text for elem_id, text in texts.items()):
            return
    raise AssertionError(f"the fields {list(texts)} do not keep what was typed")


def refusal(page, button: str, texts: dict[str, str]) -> str:
    """`fill` the texts, click `button` and return the error toast's message."""
    fill(page, texts)
    click(page, button)
    return error_message(page)


def answer(page, button: str, texts: dict[str, str], shown: str) -> str:
    """`fill` the texts, click `button` and return what the component `shown` shows once it
    has changed (see `click_and_wait`)."""
    fill(page, texts)
    return click_and_wait(page, button, shown)


def click_and_wait(page, label: str, elem_id: str) -> str:
    """Click the button `label`, wait until the component `elem_id` shows something new and is
    idle (no progress timer), and return what it shows (`text_of`)."""
    before = page.locator(f"#{elem_id}").evaluate(_SHOWN)
    click(page, label)
    page.wait_for_function(
        f"""([id, before]) => {{
            const el = document.getElementById(id);
            return el && ({_SHOWN})(el) !== before && !el.querySelector('[data-testid=status-tracker]:not(.hide)');
        }}""", arg=[elem_id, before])
    return text_of(page, elem_id)


def error_message(page) -> str:
    """The message of the error toast that appears next, closed once read."""
    text = page.locator("[data-testid=toast-body] [data-testid=toast-text]").last
    text.wait_for()
    message = text.inner_text().strip()
    for close in page.locator("[data-testid=toast-close]").all():
        close.click()
    page.locator("[data-testid=toast-body]").first.wait_for(state="detached")
    return message


def field(page, elem_id: str):
    """The text field of the Textbox with `elem_id`."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def text_of(page, elem_id: str) -> str:
    """What the component with `elem_id` shows: a Textbox's value, or any other component's text."""
    inputs = page.locator(f"#{elem_id} textarea, #{elem_id} input")
    return inputs.first.input_value() if inputs.count() else page.locator(f"#{elem_id}").inner_text().strip()


def set_number(page, elem_id: str, value: float) -> None:
    """Type `value` into the number field of the Slider or Number with `elem_id`, and leave it."""
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Tab")


def send_message(page, textbox_id: str, chatbot_id: str, message: str) -> list[str]:
    """Send `message` from a gr.ChatInterface's textbox and return the text of each bot message
    it added (a titled one as "title\ncontent"), once the textbox can be typed in again (it is
    disabled while a reply streams)."""
    replies = page.locator(f"#{chatbot_id} [data-testid=bot]")
    before = replies.count()
    box = field(page, textbox_id)
    box.fill(message)
    box.press("Enter")
    try:
        page.wait_for_function(
            """([chat, box, before]) => document.querySelectorAll(`#${chat} [data-testid=bot]`).length > before
                && !document.querySelector(`#${box} textarea`).disabled""", arg=[chatbot_id, textbox_id, before])
    except Exception as error:
        raise AssertionError(f"no reply to {message[:40]!r}, or the textbox stayed disabled") from error
    return [re.sub(r"\n+", "\n", reply.inner_text().strip()) for reply in replies.all()[before:]]


def validation_message(page, elem_id: str) -> str:
    """The validation message shown on the component with `elem_id`."""
    shown = page.locator(f"#{elem_id} .validation-error").filter(has_text=re.compile(r"\S")).first
    shown.wait_for()
    return shown.inner_text().strip()


def label_values(page, elem_id: str) -> dict[str, float]:
    """The confidences a gr.Label with `elem_id` shows, read from its meters' values."""
    meters = page.locator(f"#{elem_id} meter")
    meters.first.wait_for()
    return {meter.get_attribute("aria-label"): float(meter.get_attribute("value")) for meter in meters.all()}


def highlights(page, elem_id: str) -> list[tuple[str, str]]:
    """The (text, label) of each highlighted span a gr.HighlightedText with `elem_id` shows."""
    spans = page.locator(f"#{elem_id} .token.highlighted")
    return [(span.locator(".text").text_content(), span.locator(".label").text_content()) for span in spans.all()]


def table_column(page, elem_id: str, column: int) -> list[str]:
    """The cells of `column` a gr.Dataframe with `elem_id` shows, top to bottom."""
    cells = page.locator(f"#{elem_id} [role=gridcell][data-col='{column}']").all()
    return [cell.inner_text().strip() for cell in sorted(cells, key=lambda cell: int(cell.get_attribute("data-row")))]


def upload(page, elem_id: str, path: Path) -> None:
    """Put the file at `path` into the upload component with `elem_id`."""
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG (IHDR, one IDAT, IEND) whose header claims width x height RGB pixels,
    with a few bytes of pixel data: Pillow opens it and reads its size, decoding nothing."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def bad_images(folder: Path) -> dict[str, Path]:
    """Uploads an image tab must refuse with a sentence: "corrupt" (a PNG signature, then
    garbage), "large" (a header claiming 8,000 x 8,000 pixels, more than the image models
    take) and "huge" (100,000 x 100,000, more than Pillow opens)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.png" for name in ("corrupt", "large", "huge")}
    files["corrupt"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a picture" * 20)
    files["large"].write_bytes(png_claiming(8_000, 8_000))
    files["huge"].write_bytes(png_claiming(100_000, 100_000))
    return files


def upload_refusals(page, upload_id: str, button: str, folder: Path, too_large: str = "large") -> list[str]:
    """The error messages `button` gets with no image, then with the `too_large` ("large" or
    "huge") and the "corrupt" `bad_images` (written to `folder`) uploaded to `upload_id`."""
    click(page, button)
    messages = [error_message(page)]
    bad = bad_images(folder)
    for name in (too_large, "corrupt"):
        upload(page, upload_id, bad[name])
        click(page, button)
        messages.append(error_message(page))
    return messages


def shown_whole(png: bytes, width: int, height: int, frame=(255, 0, 0)) -> bool:
    """Whether a screenshot holds the whole of a `width` x `height` figure made by
    `framed_figure`: all four sides of its frame present, at the figure's aspect ratio (a
    cropped figure loses sides; a stretched one its ratio)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    red = (np.abs(pixels - np.array(frame)).sum(axis=-1) < 120)
    rows, cols = np.flatnonzero(red.any(axis=1)), np.flatnonzero(red.any(axis=0))
    if not len(rows) or not len(cols):
        return False
    top, bottom, left, right = rows[0], rows[-1], cols[0], cols[-1]
    box = red[top:bottom + 1, left:right + 1]
    sides = [box[0].mean(), box[-1].mean(), box[:, 0].mean(), box[:, -1].mean()]
    ratio = (right - left + 1) / (bottom - top + 1)
    return min(sides) > 0.9 and abs(ratio / (width / height) - 1) < 0.05


def framed_figure(path: Path, width: int, height: int, frame=(255, 0, 0)) -> Path:
    """A white `width` x `height` PNG with a thick `frame` border, for `shown_whole`."""
    from PIL import ImageDraw

    picture = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(picture).rectangle([0, 0, width - 1, height - 1], outline=frame, width=max(4, min(width, height) // 25))
    picture.save(path)
    return path
