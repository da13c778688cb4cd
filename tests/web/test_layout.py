"""The page on every screen, measured in the browser: no sideways scrolling at any size,
the whole network in view on a projector (and in Overview on smaller ones), the explain
panel never moving or covering the unit it explains, the same unit for hover and click,
touch picking through the magnifier, and controls big enough to hit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .helpers import SEVEN, draw, map_rgba, map_units

pytest.importorskip("playwright")
from playwright.sync_api import expect

PROJECTOR = (1920, 1080)
LAPTOP = (1366, 768)
TABLET = (1180, 820)
PHONE = (390, 844)


def _open(browser, server, size, touch=False, hash_=""):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=touch)
    page = context.new_page()
    page.goto(f"{server}/{hash_}")
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    return page


def _seven(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)


@pytest.fixture(scope="module")
def pages(browser, server):
    """One page per screen, a seven drawn on each, reused by the tests of this module."""
    opened = {}

    def get(size, touch=False):
        if (size, touch) not in opened:
            page = _open(browser, server, size, touch)
            _seven(page)
            opened[(size, touch)] = page
        page = opened[(size, touch)]
        page.keyboard.press("Escape")
        page.evaluate("window.scrollTo(0, 0)")
        return page

    yield get
    for page in opened.values():
        page.context.close()


def _cell_centre(page, layer, channel, y, x):
    """Viewport centre of unit (channel, y, x), from the map's box and its size in units."""
    one = page.locator(f'.map[data-layer="{layer}"][data-channel="{channel}"]')
    box = one.bounding_box()
    h, w = map_units(one)
    return box["x"] + (x + 0.5) * box["width"] / w, box["y"] + (y + 0.5) * box["height"] / h


def _owner_at(page, x, y):
    """What the browser would hit at (x, y): 'panel', 'layer/channel' for a map, or another tag."""
    return page.evaluate(
        """([x, y]) => {
          const hit = document.elementFromPoint(x, y);
          if (!hit) return null;
          if (hit.closest('#unit-detail')) return 'panel';
          const map = hit.closest('.map');
          return map ? `${map.dataset.layer}/${map.dataset.channel}` : hit.tagName;
        }""",
        [x, y],
    )


# Sets window.__fitted once the page has fitted its layout (the "cnnvis:layout" event layout.js
# sends after a resize settles) at the given window size.
_WATCH_FIT = """([width, height]) => {
  window.__fitted = false;
  const seen = () => {
    if (innerWidth !== width || innerHeight !== height) return;
    document.removeEventListener("cnnvis:layout", seen);
    window.__fitted = true;
  };
  document.addEventListener("cnnvis:layout", seen);
}"""


def _resize_and_fit(page, width, height):
    """Set the window size and wait until the layout has been fitted to it."""
    if page.viewport_size == {"width": width, "height": height}:
        return  # no resize, nothing to fit again
    page.evaluate(_WATCH_FIT, [width, height])
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function("() => window.__fitted === true", timeout=10000)


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    rights = page.evaluate(
        "() => [...document.querySelectorAll('.layer, .side, .topbar, .map, .strip canvas, .bars')]"
        ".map(e => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= width + 0.5


@pytest.mark.parametrize(
    ("size", "touch"), [(PROJECTOR, False), (LAPTOP, False), (TABLET, True), (PHONE, True)],
    ids=["1920x1080", "1366x768", "1180x820-touch", "390x844"],
)
def test_no_sideways_scrolling(pages, size, touch):
    _no_sideways_scroll(pages(size, touch))


def test_the_phone_gets_one_column_with_the_network_under_the_pad(pages):
    page = pages(PHONE, True)
    pad = page.get_by_test_id("draw-pad").bounding_box()
    network = page.locator("#network").bounding_box()
    assert network["y"] >= pad["y"] + pad["height"]  # below, not beside
    assert network["width"] >= 0.85 * PHONE[0]


def test_every_layer_is_in_view_on_a_projector_and_the_maps_grow(pages):
    page = pages(PROJECTOR)
    assert page.evaluate("window.scrollY") == 0
    for row in page.locator("section.layer").all():
        box = row.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR[1], row.get_attribute("data-layer")
    for target in ("draw-pad",):
        box = page.get_by_test_id(target).bounding_box()
        assert box["y"] + box["height"] <= PROJECTOR[1]
    answer = page.locator("#guesses").bounding_box()
    assert answer["y"] + answer["height"] <= PROJECTOR[1]
    area = "() => [...document.querySelectorAll('.map')].reduce((s, m) => s + m.clientWidth * m.clientHeight, 0)"
    assert page.evaluate(area) > 1.1 * pages(LAPTOP).evaluate(area)  # the maps take the room there is


def test_overview_fits_the_whole_network_on_small_projectors(browser, server):
    page = _open(browser, server, LAPTOP)
    page.locator("#overview-toggle").click()
    expect(page.locator("#overview-toggle")).to_have_attribute("aria-pressed", "true")
    assert "overview=1" in page.evaluate("location.hash")
    for width, height in (LAPTOP, (1280, 800), (1024, 768)):
        _resize_and_fit(page, width, height)
        bottoms = [row.bounding_box() for row in page.locator("section.layer").all()]
        assert all(b["y"] >= 0 and b["y"] + b["height"] <= height for b in bottoms), (width, height)
        # Each layer's maps stay on one line: the last map beside the first, not under it.
        for layer in ("conv1", "conv2", "pool2"):
            maps = page.locator(f'.map[data-layer="{layer}"]')
            assert maps.first.bounding_box()["y"] == maps.last.bounding_box()["y"], layer
        _no_sideways_scroll(page)
    page.context.close()


@pytest.mark.parametrize(
    ("size", "hash_"), [((820, 1180), "#overview=1"), (PHONE, "#overview=1&large=1")], ids=["tablet", "phone-large-type"],
)
def test_overview_on_a_tablet_or_phone_stays_on_the_screen_and_numbers_no_map_they_would_hide(browser, server, size, hash_):
    page = _open(browser, server, size, touch=True, hash_=hash_)
    page.get_by_role("button", name="Example: a 7").click()
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    _no_sideways_scroll(page)
    width = page.evaluate("document.documentElement.clientWidth")
    rights = page.evaluate("() => [...document.querySelectorAll('.bar-row *')].map(e => e.getBoundingClientRect().right)")
    assert max(rights) <= width + 0.5  # every probability and its bar
    # A channel's number is shown only over a map it leaves most of in view.
    covered = page.evaluate("""() => [...document.querySelectorAll('.map-label')]
      .filter(l => l.getClientRects().length)
      .map(l => l.getBoundingClientRect().width / l.parentElement.getBoundingClientRect().width)""")
    assert max(covered, default=0) <= 0.5
    if size == PHONE:
        assert len(covered) == 6 + 6 + 16 + 16  # the maps are big enough there: every one numbered
    page.context.close()


@pytest.mark.parametrize(
    ("layer", "channel", "y", "x"), [("conv1", 0, 14, 3), ("conv2", 15, 4, 8)], ids=["left", "right"]
)
def test_the_clicked_unit_stays_put_and_uncovered(pages, layer, channel, y, x):
    page = pages(LAPTOP)
    page.locator(f'.map[data-layer="{layer}"][data-channel="{channel}"]').scroll_into_view_if_needed()
    before = _cell_centre(page, layer, channel, y, x)
    page.mouse.move(*before)
    page.mouse.click(*before)
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_be_visible()
    expect(page.locator("#detail-title")).to_have_text(f"{layer} · map {channel}, row {y}, column {x}")
    after = _cell_centre(page, layer, channel, y, x)
    assert after == pytest.approx(before, abs=0.5)
    assert _owner_at(page, *after) == f"{layer}/{channel}"
    # Its trace lines still start at the unit: one ends in the unit's own box.
    mark = page.locator(f'section.layer[data-layer="{layer}"] .unit-mark').first.bounding_box()
    assert mark["x"] <= after[0] <= mark["x"] + mark["width"]
    assert page.locator("#trace-lines line").count() > 0


def test_enter_keeps_the_selection_in_place_and_moves_focus_into_the_panel(pages):
    page = pages(LAPTOP)
    body = page.locator('section.layer[data-layer="pool2"] .layer-body')
    body.focus()
    for key in ["ArrowRight"] * 3 + ["PageDown"] * 12:
        page.keyboard.press(key)
    scroll = page.evaluate("window.scrollY")
    before = _cell_centre(page, "pool2", 12, 0, 2)
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_have_text("pool2 · map 12, row 0, column 2")
    assert page.evaluate("window.scrollY") == scroll
    after = _cell_centre(page, "pool2", 12, 0, 2)
    assert after == pytest.approx(before, abs=0.5)
    assert _owner_at(page, *after) == "pool2/12"
    assert page.evaluate("document.activeElement.closest('#unit-detail') !== null")


def test_hover_and_click_name_the_same_unit_just_past_a_cell_boundary(pages):
    """A click's own clientY is a whole pixel: just below a line that is not on a whole pixel,
    it falls in the row above the one the pointer (and the hover) is in."""
    page = pages(LAPTOP)
    canvas = page.locator('.map[data-layer="conv1"][data-channel="1"]')
    canvas.scroll_into_view_if_needed()
    layers = page.locator("#layers")

    def line():
        box = canvas.bounding_box()
        cell = box["height"] / 28
        return box, cell, box["y"] + 6 * cell  # between rows 5 and 6

    box, cell, y_line = line()
    if not 0.25 <= y_line % 1 <= 0.75:
        layers.evaluate("l => (l.style.marginTop = '0.5px')")  # move the lines off whole pixels
        box, cell, y_line = line()
    try:
        assert 0.25 <= y_line % 1 <= 0.75
        point = (box["x"] + 5.5 * cell, y_line + (y_line % 1) / 2)  # in row 6; its whole pixel is in row 5
        assert math.floor(point[1]) < y_line
        page.mouse.move(*point)
        expect(page.locator('section.layer[data-layer="conv1"]')).to_have_attribute("data-active-y", "6")
        page.mouse.click(*point)
        expect(page.locator("#detail-title")).to_have_text("conv1 · map 1, row 6, column 5")
    finally:
        page.keyboard.press("Escape")
        layers.evaluate("l => (l.style.marginTop = '')")


def test_the_tooltip_stays_inside_the_window(pages):
    page = pages(LAPTOP)
    page.locator('.map[data-layer="conv2"][data-channel="15"]').scroll_into_view_if_needed()
    page.mouse.move(*_cell_centre(page, "conv2", 15, 0, 9))
    tip = page.locator("#unit-tip")
    expect(tip).to_be_visible()
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.evaluate("document.documentElement.clientWidth")


def _tap_through_the_magnifier(page, layer, channel, y, x):
    page.locator(f'.map[data-layer="{layer}"][data-channel="{channel}"]').scroll_into_view_if_needed()
    page.touchscreen.tap(*_cell_centre(page, layer, channel, 3, 3))  # anywhere on the map
    magnifier = page.locator("#magnifier")
    expect(magnifier).to_be_visible()
    big = magnifier.locator("canvas").bounding_box()
    # It shows the tapped map's own colours, one of its pixels per unit.
    shown = magnifier.locator("canvas").evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    one = page.locator(f'.map[data-layer="{layer}"][data-channel="{channel}"]')
    np.testing.assert_array_equal(np.array(shown, np.uint8).reshape(map_units(one) + (4,)), map_rgba(one))
    side = big["width"] / map_units(one)[1]
    assert side >= 8  # a fingertip's worth per unit
    page.touchscreen.tap(big["x"] + (x + 0.5) * side, big["y"] + (y + 0.5) * side)
    expect(magnifier).to_be_hidden()


def test_a_tap_picks_the_unit_that_was_tapped_and_the_panel_leaves_it_uncovered(pages):
    page = pages(TABLET, True)
    _tap_through_the_magnifier(page, "conv1", 5, 12, 17)
    expect(page.locator("#detail-title")).to_have_text("conv1 · map 5, row 12, column 17")
    assert _owner_at(page, *_cell_centre(page, "conv1", 5, 12, 17)) == "conv1/5"


def test_a_tapped_strip_unit_is_picked_from_its_magnified_grid(pages):
    page = pages(TABLET, True)
    strip = page.locator('.strip[data-layer="fc1"] canvas')
    strip.scroll_into_view_if_needed()
    box = strip.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    big = page.locator("#magnifier canvas").bounding_box()
    # 120 units as 11 to a row: unit 37 is row 3, column 4.
    side = big["width"] / 11
    page.touchscreen.tap(big["x"] + 4.5 * side, big["y"] + 3.5 * side)
    expect(page.locator("#detail-title")).to_have_text("fc1 · unit 37")


def test_on_a_phone_the_panel_is_a_sheet_and_the_unit_shows_above_it(pages):
    page = pages(PHONE, True)
    _tap_through_the_magnifier(page, "conv2", 7, 4, 6)
    panel = page.get_by_test_id("unit-detail")
    expect(page.locator("#detail-title")).to_have_text("conv2 · map 7, row 4, column 6")
    sheet = panel.bounding_box()
    assert sheet["y"] + sheet["height"] == pytest.approx(PHONE[1], abs=1)
    x, y = _cell_centre(page, "conv2", 7, 4, 6)
    assert 0 <= y < sheet["y"]
    assert _owner_at(page, x, y) == "conv2/7"


SMALL_CONTROLS = """() => [...document.querySelectorAll('button, select, input, summary, .file-button, [role=button]')]
  .filter(e => e.type !== 'file' && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.id || e.className || e.tagName, e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
  .filter(([, , r]) => r.right > 0 && (r.width < 24 || r.height < 24))
  .map(([name, text, r]) => `${name} "${text}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`)"""


@pytest.mark.parametrize(("size", "touch"), [(LAPTOP, False), (PHONE, True)], ids=["1366x768", "390x844"])
def test_every_control_is_at_least_24_px_square(pages, size, touch):
    page = pages(size, touch)
    page.locator("#layers").evaluate("l => l.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(SMALL_CONTROLS) == []
    # With a conv unit explained: the panel's own buttons (close, one per input map) too.
    body = page.locator('section.layer[data-layer="conv2"] .layer-body')
    body.focus()
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    panel = page.get_by_test_id("unit-detail")
    expect(panel).to_have_attribute("data-kind", "conv", timeout=10000)
    expect(panel.locator(".channel-picker .chip")).to_have_count(6, timeout=10000)  # the panel may be re-drawn once more
    assert page.evaluate(SMALL_CONTROLS) == []
    page.keyboard.press("Escape")
    page.locator("#layers").evaluate("l => l.querySelectorAll('details').forEach(d => d.open = false)")
