"""A shared address opens the same view in a fresh browser (same input bytes, same answer,
same selected unit, panel open); reloading keeps the model, hidden layers and large type; the
example buttons start a first visit at once; the README's picture of the page at work."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.models import load_model

from .conftest import LAPTOP
from .helpers import SEVEN, draw, draw_settled, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshot.png"


class Traces:
    """The traces the server sent to a page, as JSON, in the order they arrived."""

    def __init__(self, page):
        self.page = page
        self.bodies: list[dict] = []
        page.on("response", self._seen)

    def _seen(self, response):
        if response.url.endswith("/api/predict") and response.status == 200:
            try:
                self.bodies.append(json.loads(response.body()))
            except Exception:  # noqa: BLE001 -- a response the page dropped has no body to read
                pass

    def last_input(self) -> bytes:
        # The answer can be painted before the response event reaches this process: wait for it.
        for _ in range(100):
            if self.bodies:
                break
            self.page.wait_for_timeout(100)
        assert self.bodies, "no /api/predict answer reached the test"
        return base64.b64decode(self.bodies[-1]["input"]["data"])


def _answer(page) -> tuple[str, str]:
    return page.get_by_test_id("prediction").get_attribute("data-label"), page.locator("#guesses").inner_text()


def _address_with(page, *parts: str) -> str:
    """The page's address, once it holds every one of parts (it is written shortly after a change)."""
    for _ in range(50):
        url = page.url
        if all(p in url for p in parts):
            return url
        page.wait_for_timeout(100)
    raise AssertionError(f"the address never held {parts}: {page.url}")


def test_a_shared_address_opens_the_same_view_in_a_fresh_browser(page, browser, server):
    traces = Traces(page)
    draw_settled(page, SEVEN)  # to the stroke's final answer
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    channel, y, x = 3, 4, 6
    page.mouse.click(*unit_point(page, "conv2", channel, y, x))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "conv", timeout=10000)
    label, guesses = _answer(page)
    sent_input = traces.last_input()
    url = _address_with(page, "in=", f"unit=conv2:{channel},{y},{x}", "explain=1")

    fresh = browser.new_context(viewport=LAPTOP)  # no cookies, no storage, no history
    try:
        other = fresh.new_page()
        other_traces = Traces(other)
        other.goto(url)
        other_panel = other.get_by_test_id("unit-detail")
        expect(other_panel).to_be_visible(timeout=15000)
        expect(other_panel).to_have_attribute("data-kind", "conv", timeout=10000)
        expect(other.locator("#detail-title")).to_have_text(f"conv2 · map {channel}, row {y}, column {x}")
        assert json.loads(other_panel.get_attribute("data-unit")) == {"layer": "conv2", "channel": channel, "y": y, "x": x}
        expect(other.get_by_test_id("prediction")).to_have_attribute("data-label", label)
        # The same 784 bytes went into the network, so the same answer to the last digit.
        assert other_traces.last_input() == sent_input
        assert _answer(other)[1] == guesses.replace("your drawing", "the shared picture")
        # The pad shows that input, not a blank pad beside an answer.
        assert other.get_by_test_id("draw-pad").get_attribute("data-showing") == "input"
    finally:
        fresh.close()


def test_an_example_starts_at_once_and_a_reload_keeps_model_and_view(page):
    traces = Traces(page)
    bag = page.get_by_role("button", name="Example: a bag")
    bag.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.locator("#model-select")).to_have_value("fashion")
    expect(page.get_by_test_id("prediction")).to_have_text("Bag", timeout=10000)
    # The example is the committed test picture, sent as it is.
    examples = json.loads((ROOT / "static" / "examples" / "examples.json").read_text())["examples"]
    picture = next(e for e in examples if e["name"] == "a bag")
    assert traces.last_input() == base64.b64decode(picture["pixels"])
    expect(page.locator("#guesses")).to_contain_text("(from the example)")
    # The answer and the output bar give the bag's probability in the same words.
    first = page.locator("#guesses").inner_text().split(" sure")[0]
    expect(page.locator('.bar-row[data-index="8"] .bar-value')).to_have_text(first)

    page.locator('section.layer[data-layer="pool1"] button.toggle').click()
    page.locator("#large-toggle").click()
    _address_with(page, "model=fashion", "hide=pool1", "large=1", "in=")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    expect(page.locator("#model-select")).to_have_value("fashion")
    expect(page.get_by_test_id("prediction")).to_have_text("Bag", timeout=10000)
    expect(page.locator('section.layer[data-layer="pool1"]')).to_have_attribute("data-hidden", "true")
    expect(page.locator("#large-toggle")).to_have_attribute("aria-pressed", "true")

    # An example of the other model switches back.
    page.get_by_role("button", name="Example: a 7").click()
    expect(page.locator("#model-select")).to_have_value("mnist")
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)


def test_the_shipped_examples_are_read_right_by_their_models():
    examples = json.loads((ROOT / "static" / "examples" / "examples.json").read_text())["examples"]
    assert {e["model"] for e in examples} == {"mnist", "fashion"}
    for example in examples:
        x = np.frombuffer(base64.b64decode(example["pixels"]), np.uint8).reshape(1, 1, 28, 28) / 255
        p = load_model(example["model"]).network.forward(x)[0]
        assert p.argmax() == example["label"], example["name"]


def test_the_readme_picture_shows_the_page_at_work(page):
    """Writes docs/screenshot.png on every run, so the README's picture stays current."""
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.mouse.click(*unit_point(page, "conv1", 3, 9, 14))
    expect(page.get_by_test_id("unit-detail")).to_have_attribute("data-kind", "conv", timeout=10000)
    page.mouse.move(*unit_point(page, "pool1", 2, 6, 7))
    expect(page.locator("#unit-tip")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    small = shot.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    small.save(SCREENSHOT, optimize=True)
    assert SCREENSHOT.stat().st_size < 300_000
    assert Image.open(SCREENSHOT).size == (LAPTOP["width"], LAPTOP["height"])
