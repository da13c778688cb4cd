"""Hover tracing: the data-rf-* boxes the page draws equal the receptive-field maths of
app.nn.receptive (an independent Python implementation), and the lines and marks appear."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import load_model
from app.nn.receptive import receptive_field

from .conftest import open_ready
from .helpers import SEVEN, cells_drawn, draw_settled, input_seen, unit_point, whole_cells

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def network():
    return load_model("mnist").network


@pytest.fixture(scope="module")
def architecture(network):
    return network.architecture


@pytest.fixture(scope="module")
def drawn_seven(laptop_context, server):
    """One page with a seven drawn, shared by this module's tests: they only hover, so drawing it
    once (the answer to the finished stroke landed) serves them all."""
    page = open_ready(laptop_context, f"{server}/")
    draw_settled(page, SEVEN)
    yield page
    page.close()


@pytest.fixture
def page(drawn_seven):
    """The seven's page, with the pointer off the network: no unit hovered, nothing outlined."""
    drawn_seven.evaluate("window.scrollTo(0, 0)")
    drawn_seven.mouse.move(1, 1)
    expect(drawn_seven.locator(".unit-mark, #trace-lines line")).to_have_count(0)
    expect(drawn_seven.locator("[data-rf-layer]")).to_have_count(0)
    return drawn_seven


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
    page.mouse.move(*unit_point(page, "pool2", 9, 1, 2))
    regions = receptive_field(architecture, "pool2", 9, 1, 2)
    for layer in ("conv2", "pool1", "conv1", "input"):
        assert _boxes(page, layer) == _expected(regions, layer), layer


def test_hovering_a_dense_unit_points_at_its_strongest_inputs(page, network):
    page.wait_for_selector("body[data-weights=loaded]")
    unit = 37
    page.mouse.move(*_strip_point(page, "fc1", unit))
    expect(page.locator('section.layer[data-layer="fc1"]')).to_have_attribute("data-active-index", str(unit))
    assert _strip_cells(page, "fc1", "unit-mark") == [[unit]]
    # Independently: the 8 largest |w[i, j] * a[i]| over the 400 flattened pool2 values a.
    a = network.trace(input_seen(page))[network.architecture.index("flatten")].output
    products = np.abs(network.params["fc1.w"][:, unit] * a)
    ranked = np.sort(products)[::-1]
    drawn = [run[0] for run in _strip_cells(page, "flatten", "strong-mark")]  # where the marks are
    assert len(drawn) == 8 and len(set(drawn)) == 8
    # The page ranks float16 activations: allow near-ties at the 8th place to fall either way.
    slack = 2e-3 * ranked[0]
    assert all(products[i] >= ranked[7] - slack for i in drawn), (sorted(drawn), np.argsort(-products)[:8])
    assert {int(i) for i in np.flatnonzero(products > ranked[8] + slack)} <= set(drawn)
    _assert_lines_join(page, 'section.layer[data-layer="fc1"] .unit-mark', 'section.layer[data-layer="flatten"] .strong-mark')
    # A dense unit sees everything: whole maps outlined on every map layer below.
    assert _drawn(page, "conv2") == [(c, 0, 0, 9, 9) for c in range(16)]
    assert _drawn(page, "input") == [(0, 0, 0, 27, 27)]


# -- where the page draws what it highlights, measured on screen --------------------------------
def _drawn(page, layer, kind="rf-box"):
    """(channel, y0, x0, y1, x1) of every `kind` element drawn over the maps of `layer`."""
    boxes = cells_drawn(page, f'section.layer[data-layer="{layer}"] .map .{kind}')
    return sorted((b["channel"], *whole_cells(b)) for b in boxes)


def _region_cells(region):
    return sorted((c, region.y0, region.x0, region.y1, region.x1) for c in range(region.c0, region.c1 + 1))


def _strip_point(page, layer, index):
    """Page coordinates of the centre of unit `index` of a strip, from its canvas size in cells."""
    canvas = page.locator(f'.strip[data-layer="{layer}"] canvas')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    rows, cols = canvas.evaluate("c => [c.height, c.width]")
    return box["x"] + (index % cols + 0.5) * box["width"] / cols, box["y"] + (index // cols + 0.5) * box["height"] / rows


def _strip_cells(page, layer, kind):
    """Unit indices covered by each `kind` element drawn over a one-cell-high run of a strip."""
    runs = []
    for b in cells_drawn(page, f'section.layer[data-layer="{layer}"] .strip .{kind}'):
        y0, x0, y1, x1 = whole_cells(b)
        runs.append(list(range(y0 * b["cols"] + x0, y1 * b["cols"] + x1 + 1)) if y0 == y1 else (y0, y1))
    return runs


def _assert_lines_join(page, source: str, targets: str):
    """Every line drawn starts at the centre of `source` and ends at the centre of one of
    `targets`, a different one each: measured on screen, the lines' own coordinates placed
    in their svg's box."""
    lines = page.evaluate(
        """() => {
          const svg = document.getElementById("trace-lines"), o = svg.getBoundingClientRect();
          return [...svg.querySelectorAll("line")].map((l) => ["x1", "y1", "x2", "y2"].map(
            (k, i) => (i % 2 ? o.top : o.left) + Number(l.getAttribute(k))));
        }"""
    )
    centre = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })"
    (start,) = page.locator(source).evaluate_all(centre)
    ends = page.locator(targets).evaluate_all(centre)
    assert lines and len(lines) == len(ends)
    for x1, y1, _, _ in lines:
        assert abs(x1 - start[0]) <= 1 and abs(y1 - start[1]) <= 1
    reached = sorted(min(range(len(ends)), key=lambda i: np.hypot(x2 - ends[i][0], y2 - ends[i][1])) for *_, x2, y2 in lines)
    assert reached == list(range(len(ends)))
    for _, _, x2, y2 in lines:
        assert min(np.hypot(x2 - ex, y2 - ey) for ex, ey in ends) <= 1


@pytest.mark.parametrize("layer, unit", [("conv2", (5, 3, 7)), ("conv2", (14, 9, 1)), ("pool2", (9, 1, 3))])
def test_hover_outlines_are_drawn_over_the_cells_of_the_receptive_field(page, architecture, layer, unit):
    channel, y, x = unit  # y != x, so rows and columns swapped anywhere would show
    page.mouse.move(*unit_point(page, layer, channel, y, x))
    expect(page.locator(f'section.layer[data-layer="{layer}"]')).to_have_attribute("data-active-x", str(x))
    assert _drawn(page, layer, "unit-mark") == [(channel, y, x, y, x)]
    regions = receptive_field(architecture, layer, channel, y, x)
    for region in regions:
        assert _drawn(page, region.layer) == _region_cells(region), region.layer
    # One line from the unit to each box it reads in the layer just below.
    _assert_lines_join(page, f'section.layer[data-layer="{layer}"] .unit-mark', f'section.layer[data-layer="{regions[0].layer}"] .rf-box')


def test_hovering_a_flatten_unit_outlines_its_one_source_unit(page, architecture):
    # Flatten unit 238 is pool2 map 238 // 25 = 9, row (238 // 5) % 5 = 2, column 238 % 5 = 3.
    page.mouse.move(*_strip_point(page, "flatten", 238))
    expect(page.locator('section.layer[data-layer="flatten"]')).to_have_attribute("data-active-index", "238")
    assert _strip_cells(page, "flatten", "unit-mark") == [[238]]
    assert _drawn(page, "pool2") == [(9, 2, 3, 2, 3)]
    for region in receptive_field(architecture, "flatten", 238)[1:]:
        assert _drawn(page, region.layer) == _region_cells(region), region.layer
