"""Hover tracing: the data-rf-* boxes the page draws equal the receptive-field maths of
app.nn.receptive (an independent Python implementation), and the lines and marks appear."""

from __future__ import annotations

import pytest

from app.models import load_model
from app.nn.receptive import receptive_field

from .helpers import SEVEN, draw, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def architecture():
    return load_model("mnist").architecture


def _boxes(page, layer):
    return sorted(
        page.locator(f'section.layer[data-layer="{layer}"] [data-rf-layer]').evaluate_all(
            """els => els.map(e => [e.dataset.rfLayer, +e.dataset.rfChannel,
                                     +e.dataset.rfY0, +e.dataset.rfX0, +e.dataset.rfY1, +e.dataset.rfX1])"""
        )
    )


def _expected(regions, layer):
    (region,) = [r for r in regions if r.layer == layer]
    return sorted([layer, c, region.y0, region.x0, region.y1, region.x1] for c in range(region.c0, region.c1 + 1))


@pytest.mark.parametrize("unit", [(5, 3, 7), (0, 0, 9), (15, 9, 0)])
def test_hovering_a_conv2_unit_outlines_its_receptive_field(page, architecture, unit):
    channel, y, x = unit
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.mouse.move(*unit_point(page, "conv2", channel, y, x))
    row = page.locator('section.layer[data-layer="conv2"]')
    expect(row).to_have_attribute("data-active-channel", str(channel))
    assert (row.get_attribute("data-active-y"), row.get_attribute("data-active-x")) == (str(y), str(x))
    regions = receptive_field(architecture, "conv2", channel, y, x)
    for layer in ("pool1", "conv1", "input"):
        assert _boxes(page, layer) == _expected(regions, layer), layer
    assert _boxes(page, "conv2") == [] and _boxes(page, "pool2") == []  # nothing downstream
    # One line from the unit to each pool1 map it reads.
    assert page.locator("#trace-lines line").count() == 6
    assert page.locator("#unit-tip").is_visible()


def test_hovering_a_pool2_unit_and_a_flatten_unit(page, architecture):
    draw(page, SEVEN)
    page.mouse.move(*unit_point(page, "pool2", 9, 1, 2))
    regions = receptive_field(architecture, "pool2", 9, 1, 2)
    for layer in ("conv2", "pool1", "conv1", "input"):
        assert _boxes(page, layer) == _expected(regions, layer), layer


def test_hovering_a_dense_unit_points_at_its_strongest_inputs(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.wait_for_selector("body[data-weights=loaded]")
    strip = page.locator('.strip[data-layer="fc1"] canvas')
    strip.scroll_into_view_if_needed()
    box = strip.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    row = page.locator('section.layer[data-layer="fc1"]')
    expect(row).to_have_attribute("data-active-index", "36")
    expect(page.locator('section.layer[data-layer="flatten"] .strong-mark')).to_have_count(8)
    assert page.locator("#trace-lines line").count() == 8
    # A dense unit sees everything: whole maps outlined on every map layer below.
    assert len(_boxes(page, "conv2")) == 16
    assert _boxes(page, "input") == [["input", 0, 0, 0, 27, 27]]
