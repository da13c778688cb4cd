"""Showing and hiding layers, keyboard navigation, views, kernels, large type, a clean
console, and screenshots of the page (saved under test-artifacts/ to look at)."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .helpers import ONE, SEVEN, draw, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_layer_can_be_hidden_and_shown_again(page):
    row = page.locator('section.layer[data-layer="conv1"]')
    maps = row.locator(".map")
    expect(maps.first).to_be_visible()
    toggle = row.locator("button.toggle")
    toggle.click()
    expect(maps.first).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert "hide=conv1" in page.evaluate("location.hash")
    toggle.click()
    expect(maps.first).to_be_visible()
    expect(toggle).to_have_text("Hide")


def test_keyboard_moves_the_selection_and_enter_explains(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    body = page.locator('section.layer[data-layer="conv2"] .layer-body')
    body.focus()
    outline = body.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline != "none"  # focus is visible
    row = page.locator('section.layer[data-layer="conv2"]')
    for key in ["ArrowRight"] * 3 + ["ArrowDown"] * 2:  # the first press picks unit (0, 0, 0)
        page.keyboard.press(key)
    expect(row).to_have_attribute("data-active-x", "2")
    assert (row.get_attribute("data-active-channel"), row.get_attribute("data-active-y")) == ("0", "2")
    assert page.locator('section.layer[data-layer="pool1"] [data-rf-layer]').count() == 6
    page.keyboard.press("Enter")
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_be_visible()
    expect(page.locator("#detail-title")).to_have_text("conv2 · map 0, row 2, column 2")
    assert page.evaluate("document.activeElement.closest('#unit-detail') !== null")  # focus went into the panel
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    page.keyboard.press("PageDown")  # focus is back on the layer
    expect(row).to_have_attribute("data-active-channel", "1")
    expect(page.locator("#announce")).to_contain_text("conv2, map 1, row 2, column 2")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_have_text("conv2 · map 1, row 2, column 2")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_before_and_after_activation_views(page):
    draw(page, ONE)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "1", timeout=10000)
    row = page.locator('section.layer[data-layer="conv1"]')
    lo = row.locator(".legend-lo")
    expect(lo).to_have_text("0")  # after ReLU: nothing negative, a sequential scale from 0
    row.get_by_role("button", name="before ReLU").click()
    expect(row.get_by_role("button", name="before ReLU")).to_have_attribute("aria-pressed", "true")
    assert lo.inner_text().startswith("−")  # signed: a diverging scale centred on zero
    assert "pre=conv1" in page.evaluate("location.hash")


def test_whole_session_has_no_console_errors_and_screenshots(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.wait_for_selector("body[data-weights=loaded]")
    for layer in ("conv1", "conv2"):
        details = page.locator(f'details[data-kernels="{layer}"]')
        details.locator("summary").click()
    expect(page.locator('details[data-kernels="conv2"] canvas')).to_have_count(96)
    page.mouse.move(*unit_point(page, "conv2", 3, 4, 6))
    page.mouse.click(*unit_point(page, "conv2", 3, 4, 6))
    expect(page.get_by_test_id("unit-detail")).to_have_attribute("data-kind", "conv", timeout=10000)
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(*unit_point(page, "conv2", 3, 4, 6))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-laptop-1366x768.png"))
    page.screenshot(path=str(ARTIFACTS / "page-laptop-full.png"), full_page=True)
    page.keyboard.press("Escape")
    page.locator("#large-toggle").click()
    expect(page.locator("html")).to_have_class("large")
    page.screenshot(path=str(ARTIFACTS / "page-large-type.png"))
    page.set_viewport_size({"width": 1180, "height": 820})  # a tablet held landscape
    page.locator("#large-toggle").click()
    page.mouse.click(*unit_point(page, "pool1", 1, 5, 5))
    expect(page.get_by_test_id("unit-detail")).to_have_attribute("data-kind", "maxpool", timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "page-tablet-1180x820.png"))
    assert page.console.errors == []


@pytest.mark.parametrize(
    ("width", "height", "large"),
    [(1366, 768, True), (1180, 820, True), (1366, 768, False), (1180, 820, False)],
    ids=["laptop-large", "tablet-large", "laptop", "tablet"],
)
def test_the_answer_is_above_the_fold_beside_the_pad(page, width, height, large):
    page.set_viewport_size({"width": width, "height": height})
    if large:
        page.locator("#large-toggle").click()
        expect(page.locator("html")).to_have_class("large")
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    pad = page.get_by_test_id("draw-pad").bounding_box()
    guesses = page.locator("#guesses").bounding_box()
    assert page.locator(".side").evaluate("s => s.scrollTop") == 0
    assert guesses["y"] + guesses["height"] <= height, "the answer is below the fold"
    assert pad["height"] >= 0.35 * height  # the pad stays big enough to draw on
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"answer-{width}x{height}{'-large' if large else ''}.png"))


def test_the_clothes_model_names_its_classes_and_speaks_of_clothing(page):
    draw(page, ONE)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "1", timeout=10000)
    page.locator("#model-select").select_option("fashion")
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    expect(page.locator('.bar-row[data-layer="softmax"] .bar-label')).to_have_text(names, timeout=10000)
    prediction = page.get_by_test_id("prediction")
    expect(prediction).not_to_have_attribute("data-label", "", timeout=10000)  # the drawing, read again
    label = int(prediction.get_attribute("data-label"))
    expect(prediction).to_have_text(names[label])
    guesses = page.locator("#guesses").inner_text()
    assert f"sure it is {names[label]} (from your drawing)" in guesses and "digit" not in guesses
    page.locator("#clear").click()
    expect(page.locator("#pad-hint")).to_have_text("Draw a piece of clothing here")
    expect(page.locator("#guesses")).not_to_contain_text("digit")
    assert "digit" not in page.get_by_test_id("draw-pad").get_attribute("aria-label")
    assert page.console.errors == []
