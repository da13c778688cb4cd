"""Compare mode: two networks side by side on the same input. Both answers, checked against
the models run here on the pixels each network drew; a hover in one network outlined at the
same cells in the other, read from where the boxes are drawn and checked against
app.nn.receptive; networks that differ said so in words; the address reopens the view; no
sideways scrolling."""

from __future__ import annotations

import base64
import json
import urllib.request

import numpy as np
import pytest

from app.models import load_model
from app.models.checkpoints import load_checkpoint
from app.nn.receptive import receptive_field

from .conftest import LAPTOP
from .helpers import SEVEN, cells_drawn, draw_settled, map_rgba, unit_point, whole_cells

pytest.importorskip("playwright")
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
LEFT = "#network"
RIGHT = "#compare-network"


def _open(browser, base, hash_, size=LAPTOP, touch=False):
    context = browser.new_context(viewport=size, has_touch=touch)
    page = context.new_page()
    page.goto(f"{base}/#{hash_}")
    page.wait_for_selector("body[data-ready=true]", timeout=20000)
    if "compare=" in hash_:
        page.wait_for_selector("#compare[data-model]", timeout=20000)
    return page


def _show_example(page, name="a 7"):
    page.get_by_role("button", name=f"Example: {name}").click()
    page.wait_for_function("() => document.querySelector('#compare').dataset.answerB", timeout=20000)


def _input_drawn(page, side):
    reds = map_rgba(page.locator(f'{side} .map[data-layer="input"]'))[..., 0]
    return (reds.astype(np.float32) / 255).reshape(1, 28, 28)


def _unit_point(page, side, layer, channel, y, x):
    """Page coordinates of the centre of unit (channel, y, x) of a map layer in one network."""
    return unit_point(page, layer, channel, y, x, scope=side)


def _cells(page, side, layer, what="rf-box"):
    """(channel, y0, x0, y1, x1) of each `what` drawn over `layer` in one network, in whole cells."""
    boxes = cells_drawn(page, f'{side} section.layer[data-layer="{layer}"] .{what}')
    return sorted((b["channel"], *whole_cells(b)) for b in boxes)


def _expected(architecture, layer, unit):
    regions = receptive_field(architecture, *unit)
    (region,) = [r for r in regions if r.layer == layer]
    return sorted((c, region.y0, region.x0, region.y1, region.x1) for c in range(region.c0, region.c1 + 1))


@pytest.fixture(scope="module")
def epochs(browser, server):
    page = _open(browser, server, "compare=mnist@epoch1")
    _show_example(page)
    yield page
    page.context.close()


def _percent(p: float) -> str:
    """The page's percentage (format.js): the probability as float16, one decimal, then
    ">99.9%" for what would read 100.0 and "<0.1%" for what would read 0.0."""
    text = f"{float(np.float16(p)) * 100:.1f}"
    return ">99.9%" if float(text) >= 100 else "<0.1%" if float(text) <= 0 else f"{text}%"


def test_both_networks_answer_the_same_input_and_the_surer_is_named(epochs):
    page = epochs
    left, right = _input_drawn(page, LEFT), _input_drawn(page, RIGHT)
    assert left.max() > 0.5 and np.array_equal(left, right)  # the same prepared pixels on both sides
    p_left = load_model("mnist").network.trace(left)[-1].output
    p_right = load_checkpoint("mnist@epoch1").network.trace(right)[-1].output
    section = page.locator("#compare")
    assert section.get_attribute("data-answer-a") == str(int(np.argmax(p_left)))
    assert section.get_attribute("data-answer-b") == str(int(np.argmax(p_right)))
    answers = page.get_by_test_id("compare-answers").inner_text()
    assert f"{int(np.argmax(p_right))} at {_percent(p_right.max())}" in answers
    # The verdict's rule: within half a percentage point the two count as equally sure.
    gap = float(p_left.max()) - float(p_right.max())
    said = page.get_by_test_id("compare-verdict").inner_text()
    if abs(gap) < 0.005:
        assert "about as sure" in said
    else:
        assert f"the {'left' if gap > 0 else 'right'} network is more confident" in said
    assert "same 1 × 28 × 28 input" in page.get_by_test_id("compare-input").inner_text()
    summary = page.get_by_test_id("compare-summary")
    assert summary.is_visible() and "epoch 1" in summary.inner_text()


@pytest.mark.parametrize("unit", [(5, 3, 7), (15, 9, 0)])
def test_hovering_a_conv2_unit_on_the_left_outlines_the_same_cells_on_the_right(epochs, unit):
    page = epochs
    architecture = load_model("mnist").network.architecture
    page.mouse.move(*_unit_point(page, LEFT, "conv2", *unit))
    expect(page.locator(f'{RIGHT} section.layer[data-layer="conv2"]')).to_have_attribute("data-active-channel", str(unit[0]))
    channel, y, x = unit
    assert _cells(page, RIGHT, "conv2", "unit-mark") == [(channel, y, x, y, x)]
    for layer in ("pool1", "conv1", "input"):
        expected = _expected(architecture, layer, ("conv2", *unit))
        assert _cells(page, RIGHT, layer) == expected, layer
        assert _cells(page, LEFT, layer) == expected, layer
    assert _cells(page, RIGHT, "pool2") == []  # nothing downstream
    trace = page.get_by_test_id("compare-trace")
    expect(trace).to_have_attribute("data-state", "same")


def test_hovering_on_the_right_outlines_the_left_too(epochs):
    page = epochs
    page.mouse.move(*_unit_point(page, RIGHT, "pool1", 2, 11, 4))
    expect(page.locator(f'{LEFT} section.layer[data-layer="pool1"]')).to_have_attribute("data-active-y", "11")
    expected = _expected(load_model("mnist").network.architecture, "conv1", ("pool1", 2, 11, 4))
    assert _cells(page, LEFT, "conv1") == expected == _cells(page, RIGHT, "conv1")


def _explained(page, side, layer, unit):
    """Click a unit in one network; the panel's final value, once it shows that unit."""
    page.mouse.click(*_unit_point(page, side, layer, *unit))
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-unit", f'{{"layer":"{layer}","channel":{unit[0]},"y":{unit[1]},"x":{unit[2]}}}', timeout=10000)
    return float(panel.locator(".result").last.inner_text().strip().replace("\u2212", "-"))


def test_a_unit_clicked_in_either_network_is_explained_with_that_networks_own_numbers(epochs):
    page = epochs
    title = page.locator("#detail-title")
    right = load_checkpoint("mnist@epoch1").network
    left = load_model("mnist").network
    unit = (4, 3, 5)
    try:
        shown = _explained(page, RIGHT, "conv2", unit)
        expect(title).to_have_text("The right network: conv2 · map 4, row 3, column 5")
        expected = float({t.name: t for t in right.trace(_input_drawn(page, RIGHT))}["conv2"].output[unit])
        assert shown == pytest.approx(expected, abs=2e-3 + 1e-3 * abs(expected))
        # The same unit in the first network: the panel is the first network's again.
        shown = _explained(page, LEFT, "conv2", unit)
        expect(title).to_have_text("conv2 · map 4, row 3, column 5")
        expected = float({t.name: t for t in left.trace(_input_drawn(page, LEFT))}["conv2"].output[unit])
        assert shown == pytest.approx(expected, abs=2e-3 + 1e-3 * abs(expected))
        # A new input answers both networks again: the panel stays the first network's (the
        # second network's panel, closed when the first opened, does not take it back).
        page.get_by_role("button", name="Example: a 2").dispatch_event("click")  # the panel lies over the side column
        page.wait_for_function("() => document.querySelector('#compare').dataset.answerA === '2'", timeout=20000)
        page.wait_for_timeout(600)  # the second network's answer lands too
        expect(page.get_by_test_id("unit-detail")).to_be_visible()
        expect(title).to_have_text("conv2 · map 4, row 3, column 5")
        page.wait_for_function("() => location.hash.includes('explain=1')", timeout=5000)  # the link reopens it
        # And back to the second, then Escape closes it. The first network's explanation is
        # closed, so the link no longer holds it.
        _explained(page, RIGHT, "conv2", unit)
        expect(title).to_have_text("The right network: conv2 · map 4, row 3, column 5")
        page.wait_for_function("() => !location.hash.includes('explain=1')", timeout=5000)
        # The second network's explanation follows a new input: it stays open, on that network.
        page.get_by_role("button", name="Example: a 7").dispatch_event("click")
        page.wait_for_function("() => document.querySelector('#compare').dataset.answerA === '7'", timeout=20000)
        page.wait_for_timeout(600)
        expect(page.get_by_test_id("unit-detail")).to_be_visible()
        expect(title).to_have_text("The right network: conv2 · map 4, row 3, column 5")
    finally:
        page.keyboard.press("Escape")
    expect(page.get_by_test_id("unit-detail")).to_be_hidden()


def test_the_address_reopens_compare_in_a_fresh_browser(browser, server):
    page = _open(browser, server, "")
    page.locator("#compare-toggle").click()  # opens with an early epoch of the model shown
    page.wait_for_selector("#compare[data-model]", timeout=20000)
    chosen = page.locator("#compare").get_attribute("data-model")
    assert chosen.startswith("mnist@epoch")
    _show_example(page, "a 2")
    for _ in range(50):
        if f"compare={chosen}" in page.url and "in=" in page.url:
            break
        page.wait_for_timeout(100)
    url = page.url
    answers = page.get_by_test_id("compare-answers").inner_text()
    page.context.close()

    again = browser.new_context(viewport=LAPTOP).new_page()
    again.goto(url)
    again.wait_for_selector("#compare[data-model]", timeout=20000)
    assert again.locator("#compare-select").input_value() == chosen
    expect(again.get_by_test_id("compare-answers")).to_have_text(answers, use_inner_text=True, timeout=20000)
    again.locator("#compare-stop").click()
    expect(again.locator("#compare-network")).to_be_hidden()
    for _ in range(50):
        if "compare=" not in again.url:
            break
        again.wait_for_timeout(100)
    assert "compare=" not in again.url
    again.context.close()


@pytest.mark.parametrize(("size", "touch"), [(LAPTOP, False), (PHONE, True)], ids=["1366x768", "390x844"])
def test_no_sideways_scrolling_while_comparing(browser, server, size, touch):
    page = _open(browser, server, "compare=fashion", size, touch)
    _show_example(page)
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    rights = page.evaluate(
        "() => [...document.querySelectorAll('.layer, .side, .topbar, .map, .strip canvas, .bars, .compare')]"
        ".map(e => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= width + 0.5
    assert page.locator(f"{RIGHT} section.layer").count() == 10  # the whole second network is there
    small = page.evaluate(
        """() => [...document.querySelectorAll('#compare-toggle, #compare button, #compare select, #compare-network button, #compare-network summary')]
               .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && (r.width < 24 || r.height < 24))"""
    )
    assert small == []  # every control at least 24 x 24 CSS px
    page.context.close()


def test_a_drawing_is_prepared_for_each_network_its_own_way(browser, server):
    page = _open(browser, server, "compare=fashion")
    draw_settled(page, SEVEN)
    expect(page.get_by_test_id("compare-input")).to_contain_text("prepared its own way", timeout=20000)
    # The server prepares the pad's picture for the clothes model independently of the page.
    pad = page.get_by_test_id("draw-pad").evaluate("c => c.toDataURL('image/png')")
    body = json.dumps({"model": "fashion", "image": pad, "steps": False}).encode()
    request = urllib.request.Request(f"{server}/api/predict", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        served = np.frombuffer(base64.b64decode(json.load(r)["input"]["data"]), np.uint8).reshape(1, 28, 28)
    right = None
    for _ in range(100):  # until the answer to the finished stroke has landed on the right
        right = np.round(_input_drawn(page, RIGHT) * 255).astype(np.uint8)
        if np.array_equal(right, served):
            break
        page.wait_for_timeout(100)
    assert np.array_equal(right, served)
    assert not np.array_equal(right, np.round(_input_drawn(page, LEFT) * 255).astype(np.uint8))  # digits centre otherwise
    page.context.close()


def test_networks_that_differ_are_traced_where_alike_and_the_difference_said(browser, extra_server):
    # The shipped digits model beside a LeNet whose conv2 pads (tests/web/extra_models_app.py).
    page = _open(browser, extra_server, "model=mnist&compare=padded")
    _show_example(page)
    trace = page.get_by_test_id("compare-trace")
    # conv1 and pool1 read alike: the same cells on both sides.
    page.mouse.move(*_unit_point(page, LEFT, "conv1", 4, 20, 6))
    expect(trace).to_have_attribute("data-state", "same")
    expected = _expected(load_model("mnist").network.architecture, "input", ("conv1", 4, 20, 6))
    assert _cells(page, RIGHT, "input") == expected == _cells(page, LEFT, "input")
    # conv2 pads on the right only: no outline there, and the words say where they part.
    page.mouse.move(*_unit_point(page, LEFT, "conv2", 3, 4, 5))
    expect(trace).to_have_attribute("data-state", "differs")
    words = trace.inner_text()
    assert "conv2" in words and "padding 0" in words and "padding 2" in words
    assert page.locator(f"{RIGHT} .rf-box, {RIGHT} .unit-mark").count() == 0
    assert page.locator(f"{LEFT} .rf-box").count() > 0
    page.context.close()


def test_axe_finds_nothing_while_comparing(browser, server):
    from .conftest import Console
    from .test_a11y import _violations

    # Axe is a script put into the page; the page's CSP forbids that, so only here it is bypassed.
    context = browser.new_context(viewport=LAPTOP, bypass_csp=True)
    page = context.new_page()
    console = Console(page)
    page.goto(f"{server}/#compare=fashion")
    page.wait_for_selector("#compare[data-model]", timeout=20000)
    _show_example(page)
    page.mouse.move(*_unit_point(page, LEFT, "conv2", 1, 2, 3))
    expect(page.get_by_test_id("compare-trace")).to_have_attribute("data-state", "same")
    assert _violations(page) == []
    assert console.errors == []
    context.close()
