"""The "why" area in the browser: a saliency overlay for each method, a confusion cell that
opens its gallery and loads a test picture with its true label, and the adversary slider that
changes the answer."""

from __future__ import annotations

import pytest

from .helpers import SEVEN, draw_settled

pytest.importorskip("playwright")
from playwright.sync_api import expect

COLOURED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 30) n++; return [c.width, c.height, n]; }"""


def _seven(page):
    draw_settled(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)


def test_saliency_overlay_is_drawn_for_each_method(page):
    _seven(page)
    canvas = page.get_by_test_id("saliency-map")
    canvas.scroll_into_view_if_needed()  # the card asks the server only while it can be seen
    for method in ("gradient", "gradient_x_input", "occlusion", "gradcam"):
        page.select_option("#why-method", method)
        expect(canvas).to_have_attribute("data-method", method, timeout=10000)
        width, height, coloured = canvas.evaluate(COLOURED)
        assert (width, height) == (28, 28)
        assert coloured > 0, f"{method}: no pixel of the overlay is coloured"
        assert method in page.evaluate("location.hash") or method == "gradient"
    expect(canvas).to_have_attribute("data-class", "7")
    assert page.console.errors == []


def test_the_why_cards_ask_nothing_while_out_of_view_and_catch_up_when_seen(page):
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/saliency" in r.url or "/api/adversary" in r.url else None)
    page.evaluate("window.scrollTo(0, 0)")
    _seven(page)  # a whole stroke: many live answers
    page.wait_for_timeout(500)
    assert asked == [], "a why card asked the server while nobody could see it"
    canvas = page.get_by_test_id("saliency-map")
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_have_attribute("data-method", "gradient", timeout=10000)
    expect(canvas).to_have_attribute("data-class", "7")
    assert any("/api/saliency" in url for url in asked)


def test_confusion_cell_opens_its_gallery_and_loads_a_digit(page):
    cell = page.locator(".why-cell:not(.why-diagonal)").filter(has_not_text="0").first
    cell.wait_for(timeout=20000)
    cell = page.locator(".why-cell:not(.why-diagonal)").filter(has_not_text="0").first
    true, predicted = cell.get_attribute("data-true"), cell.get_attribute("data-predicted")
    count = int(cell.inner_text())
    cell.click()
    tiles = page.get_by_test_id("gallery").locator(".why-tile")
    expect(tiles).to_have_count(min(count, 100), timeout=10000)
    tiles.first.click()
    # The network's answer to that test picture is the cell's column, its true label the row.
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", predicted, timeout=10000)
    expect(page.get_by_test_id("true-label")).to_have_attribute("data-label", true)
    expect(page.get_by_test_id("true-label")).to_be_visible()
    assert page.console.errors == []


def test_adversary_slider_changes_the_answer(page):
    _seven(page)
    answer = page.get_by_test_id("adversary-answer")
    page.locator("#why-epsilon").fill("0")
    expect(answer).to_have_attribute("data-label", "7", timeout=10000)
    expect(answer).to_have_attribute("data-success", "false")
    page.locator("#why-epsilon").fill("0.3")
    expect(answer).to_have_attribute("data-success", "true", timeout=10000)
    assert answer.get_attribute("data-label") != "7"
    assert "eps=0.3" in page.evaluate("location.hash")
    assert page.console.errors == []
