"""Clicking a unit explains it: the arithmetic shown matches an independent forward pass
of the same input, the panel follows the selection and closes with Escape."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.models import load_model

from .conftest import open_ready
from .helpers import SEVEN, draw_settled, input_seen, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def network():
    return load_model("mnist").network


def _number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def _trace(network, page):
    return {t.name: t for t in network.trace(input_seen(page))}


@pytest.fixture(scope="module")
def seven_address(laptop_context, server):
    """The address of a page with a seven drawn on its pad. The address holds the prepared input
    (the page's state is its address), so each test opens the seven in a fresh page of its own
    without drawing it again."""
    page = open_ready(laptop_context, f"{server}/")
    draw_settled(page, SEVEN)
    page.wait_for_function("() => location.hash.includes('in=')", timeout=10000)
    url = page.url
    page.close()
    return url


@pytest.fixture
def page(laptop_context, seven_address):
    """A fresh page opened on the seven's address, ready."""
    pg = open_ready(laptop_context, seven_address)
    yield pg
    pg.close()


def _drawn_seven(page):
    # The seven's answer has landed: the tests compare the panel with a forward pass of the
    # input the page shows, which must be the one answered.
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
    seen = input_seen(page)
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


# -- the numbers the panel shows add up, to the precision it shows them ------------------------
NUMBER = r"[−-]?\d+(?:\.\d+)?"


def _places(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def _half_unit(token: str) -> float:
    return 0.5 * 10.0 ** -_places(token)


def _assert_adds_up(terms: list[str], total: str):
    """Terms shown no coarser than the total, and their sum within the rounding of what is shown:
    half a unit in the total's last place for each term and for the total."""
    assert all(_places(t) >= _places(total) for t in terms), (terms, total)
    slack = (len(terms) + 1) * _half_unit(total)
    assert abs(sum(_number(t) for t in terms) - _number(total)) <= slack + 1e-9, (terms, total)


def _equation(panel, starts: str) -> str:
    texts = [t for t in panel.locator(".equation").all_inner_texts() if t.strip().startswith(starts)]
    assert len(texts) == 1, panel.locator(".equation").all_inner_texts()
    return texts[0].strip()


def _assert_bias_line_adds_up(panel):
    pattern = rf"sum ({NUMBER}) \+ bias ({NUMBER}) = ({NUMBER})"
    lines = [t.strip() for t in panel.locator(".equation").all_inner_texts() if re.fullmatch(pattern, t.strip())]
    assert len(lines) == 1, panel.locator(".equation").all_inner_texts()
    line = lines[0]
    got = re.fullmatch(pattern, line)
    total, bias, weighted = got.groups()
    slack = _half_unit(total) + _half_unit(bias) + _half_unit(weighted)
    assert abs(_number(total) + _number(bias) - _number(weighted)) <= slack + 1e-9, line


def test_a_conv_units_sum_over_maps_adds_up_to_the_total_shown(page, network):
    _drawn_seven(page)
    channel, y, x = 3, 4, 6
    page.mouse.click(*unit_point(page, "conv2", channel, y, x))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "conv", timeout=10000)
    line = _equation(panel, "sum over all maps:")
    terms_text, total = line.removeprefix("sum over all maps:").rsplit(" = ", 1)
    terms = [t.strip().strip("()") for t in terms_text.split(" + ")]
    assert len(terms) == 6  # one share per pool1 map
    _assert_adds_up(terms, total.strip())
    # Each share is its map's patch times its slice of the kernel, worked out here with NumPy.
    pool1 = _trace(network, page)["pool1"].output[:, y : y + 5, x : x + 5]  # (6, 5, 5)
    shares = (pool1 * network.params["conv2.w"][channel]).sum(axis=(1, 2))
    for term, share in zip(terms, shares):
        assert abs(_number(term) - share) <= _half_unit(term) + 1e-4 * (1 + abs(share)), (term, share)
    _assert_bias_line_adds_up(panel)


def test_a_dense_units_top_contributions_and_the_other_n_add_up_to_the_sum(page, network):
    _drawn_seven(page)
    unit = 5
    strip = page.locator('.strip[data-layer="fc2"] canvas')
    strip.scroll_into_view_if_needed()
    box = strip.bounding_box()
    n_units = strip.evaluate("c => c.width")
    page.mouse.click(box["x"] + (unit + 0.5) * box["width"] / n_units, box["y"] + box["height"] / 2)
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "dense", timeout=10000)
    expect(page.locator("#detail-title")).to_have_text(f"fc2 · unit {unit}")
    line = _equation(panel, "top contributions")
    got = re.fullmatch(rf"top contributions ({NUMBER}) \+ the other (\d+) ({NUMBER}) = sum ({NUMBER})", line)
    assert got, line
    top, others, rest, total = got.groups()
    n_in = network.params["fc2.w"].shape[0]  # fc2 reads the 120 units of fc1
    assert int(others) == n_in - 10
    _assert_adds_up([top, rest], total)
    # The ten rows: their products add up to "top contributions" ...
    rows = [r for r in panel.locator("table.plain tr").all_inner_texts()[1:]]
    cells = [r.split("\t") for r in rows]
    assert len(cells) == 10
    _assert_adds_up([c[3].strip() for c in cells], top)
    # ... and are the ten largest |w[i, j] * a[i]|, and the sum is all of them, worked out with NumPy.
    a = _trace(network, page)["fc1"].output
    products = network.params["fc2.w"][:, unit] * a
    ranked = np.sort(np.abs(products))[::-1]
    shown = [int(c[0]) for c in cells]
    assert all(abs(products[i]) >= ranked[9] - 1e-4 for i in shown), shown
    for c, i in zip(cells, shown):
        assert abs(_number(c[3]) - products[i]) <= _half_unit(c[3].strip()) + 1e-4 * (1 + abs(products[i]))
    assert abs(_number(total) - products.sum()) <= _half_unit(total) + 1e-4 * (1 + abs(products.sum()))
    _assert_bias_line_adds_up(panel)


def test_softmax_panel_divides_the_numbers_it_shows(page, network):
    _drawn_seven(page)
    page.locator('.bar-row[data-layer="softmax"][data-index="7"] .bar-track').click()
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "softmax", timeout=10000)
    line = _equation(panel, "= ")
    got = re.fullmatch(rf"= ({NUMBER}) / ({NUMBER}) = ({NUMBER})", line)
    assert got, line
    e, total, p = (_number(g) for g in got.groups())
    logits = _trace(network, page)["fc3"].output.astype(np.float64)
    exps = np.exp(logits - logits.max())
    assert e == pytest.approx(exps[7], rel=1e-3, abs=1e-4) and total == pytest.approx(exps.sum(), rel=1e-3)
    assert p == pytest.approx(e / total, rel=2e-3, abs=1e-4)
    assert p == pytest.approx(exps[7] / exps.sum(), rel=2e-3, abs=1e-4)
    # The table's percentages are the whole: they add up to 100%.
    percents = [float(r.split("\t")[-1].strip().rstrip("%")) for r in panel.locator("table.plain tr").all_inner_texts()[1:]]
    assert len(percents) == 10 and abs(sum(percents) - 100) <= 10 * 0.005 + 1e-9
