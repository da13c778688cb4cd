"""Clicking a unit explains it: the arithmetic shown matches an independent forward pass
of the same input, the panel follows the selection and closes with Escape."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import load_model

from .helpers import SEVEN, draw, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def network():
    return load_model("mnist").network


def _number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def _input_seen(page) -> np.ndarray:
    """The 28x28 input as the page drew it: grey level byte / 255 (the grey map is exact)."""
    reds = page.locator('.map[data-layer="input"] canvas').evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).filter((_, i) => i % 4 === 0)"
    )
    return (np.array(reds, dtype=np.float32) / 255).reshape(1, 28, 28)


def _trace(network, page):
    return {t.name: t for t in network.trace(_input_seen(page))}


def _drawn_seven(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)


def test_clicking_a_conv2_unit_shows_its_arithmetic(page, network):
    _drawn_seven(page)
    channel, y, x = 3, 4, 6
    page.mouse.click(*unit_point(page, "conv2", channel, y, x))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-kind", "conv", timeout=10000)
    expect(page.locator("#detail-title")).to_have_text(f"conv2 · map {channel}, row {y}, column {x}")
    grids = panel.locator("table.numgrid")
    assert grids.count() == 3  # patch, kernel, products of one input map
    # The patch is numbered in pool1's coordinates: rows 4..8, columns 6..10.
    patch_cols = grids.first.locator("tr").first.locator("th.col").all_text_contents()
    patch_rows = grids.first.locator("th.row").all_text_contents()
    assert patch_cols == [str(c) for c in range(x, x + 5)] and patch_rows == [str(r) for r in range(y, y + 5)]
    text = panel.inner_text()
    for word in ("sum", "bias", "ReLU"):
        assert word in text
    expected = float(_trace(network, page)["conv2"].output[channel, y, x])
    shown = _number(panel.locator(".result").last.inner_text())
    assert shown == pytest.approx(expected, abs=2e-3 + 1e-3 * abs(expected))
    # Choosing another input map swaps the grids.
    panel.locator(".channel-picker .chip").nth(0).click()
    expect(panel.locator("figcaption").first).to_contain_text("pool1 map 0")


def test_pool_softmax_and_dense_units_explain_themselves(page, network):
    _drawn_seven(page)
    trace = _trace(network, page)
    page.mouse.click(*unit_point(page, "pool1", 2, 5, 6))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "maxpool", timeout=10000)
    expect(panel.locator("td.winner")).to_have_count(1)
    assert _number(panel.locator(".result").last.inner_text()) == pytest.approx(
        float(trace["pool1"].output[2, 5, 6]), abs=2e-3
    )
    page.locator('.bar-row[data-layer="softmax"][data-index="7"] .bar-track').click()
    expect(panel).to_have_attribute("data-kind", "softmax", timeout=10000)
    expect(panel.locator("tr.highlight td").first).to_have_text("7")
    assert _number(panel.locator(".result").last.inner_text()) == pytest.approx(
        float(trace["softmax"].output[7]), abs=1e-3
    )
    page.keyboard.press("Escape")  # the panel lies over the far side of the window: uncover fc2's first unit
    strip = page.locator('.strip[data-layer="fc2"] canvas')
    box = strip.bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
    expect(panel).to_have_attribute("data-kind", "dense", timeout=10000)
    expect(page.locator('section.layer[data-layer="fc2"]')).to_have_attribute("data-active-index", "0")
    assert panel.locator("table.plain tr").count() == 11  # header + the ten largest contributions
    assert _number(panel.locator(".result").last.inner_text()) == pytest.approx(
        float(trace["fc2"].output[0]), abs=2e-3 + 1e-3 * abs(float(trace["fc2"].output[0]))
    )


def test_escape_closes_the_panel(page):
    _drawn_seven(page)
    page.mouse.click(*unit_point(page, "conv1", 0, 10, 10))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_an_input_pixel_is_explained_on_the_page_without_the_server(page):
    _drawn_seven(page)
    explains = []
    page.on("request", lambda r: explains.append(r.url) if r.url.endswith("/api/explain") else None)
    seen = _input_seen(page)
    y, x = int(np.argmax(seen[0].max(axis=1) > 0.9)), 0
    x = int(np.argmax(seen[0, y] > 0.9))  # an inked pixel, so the value is not just 0
    page.mouse.click(*unit_point(page, "input", 0, y, x))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "input", timeout=10000)
    expect(page.locator("#detail-title")).to_have_text(f"input · map 0, row {y}, column {x}")
    text = panel.inner_text()
    assert "No layer" not in text and "/ 255" in text and "pixel" in text
    byte = round(float(seen[0, y, x]) * 255)
    assert _number(panel.locator(".equation .num").first.inner_text()) == byte
    assert _number(panel.locator(".result").last.inner_text()) == pytest.approx(byte / 255, abs=1e-4)
    # Enter on the input layer explains its selected pixel the same way.
    body = page.locator('section.layer[data-layer="input"] .layer-body')
    body.focus()
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_have_text("input · map 0, row 0, column 0")
    expect(panel.locator(".result")).to_have_text("0")
    assert explains == []


def test_a_conv1_unit_reads_the_one_input_map_in_good_english(page):
    _drawn_seven(page)
    page.mouse.click(*unit_point(page, "conv1", 2, 10, 10))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "conv", timeout=10000)
    lead = panel.locator(".lead").inner_text()
    assert "laid over input at row" in lead and "1 map" not in lead
