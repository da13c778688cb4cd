"""The labs redraw only what an answer changed, and what they leave alone is still right: after
live edits every map shows what a page drawing the same address from scratch shows; the address
waits for a dragged slider to rest instead of being rewritten (a same-document navigation) on
every step."""

from __future__ import annotations

from urllib.parse import unquote

import numpy as np

from .conftest import open_ready
from .helpers import MAP_PIXELS_JS, SEVEN, draw, map_rgba

from playwright.sync_api import expect

# Installed in the page: every putImageData call kept against the canvas it wrote, with the
# rectangle it wrote (the whole image unless a dirty rectangle is given), and every
# history.replaceState call counted.
COUNT_WRITES = """() => {
  window.__writes = new Map();
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    const [image, dx, dy, x = 0, y = 0, w = image.width, h = image.height] = args;
    const list = window.__writes.get(this.canvas) || [];
    list.push([dx + x, dy + y, w, h]);
    window.__writes.set(this.canvas, list);
    return put.apply(this, args);
  };
  window.__replaced = 0;
  window.__replacedAt = [];
  const replace = history.replaceState.bind(history);
  history.replaceState = (...args) => {
    window.__replaced++;
    window.__replacedAt.push(performance.now());
    return replace(...args);
  };
}"""

# How many writes to a layer's canvas covered each of its maps (found by where the map's box sits
# over the canvas: a write covers a map when it overlaps the map's box).
WRITES = """layer => {
  const maps = [...document.querySelectorAll(`#layers .map[data-layer="${layer}"]`)];
  const canvas = maps[0].closest('.layer-body').querySelector('canvas');
  const writes = window.__writes.get(canvas) || [];
  const cr = canvas.getBoundingClientRect(), k = canvas.width / cr.width;
  return maps.map(m => {
    const r = m.getBoundingClientRect();
    const [left, top] = [(r.left - cr.left) * k, (r.top - cr.top) * k];
    const [right, bottom] = [left + r.width * k, top + r.height * k];
    return writes.filter(([x, y, w, h]) => x < right && x + w > left && y < bottom && y + h > top).length;
  });
}"""

# Every map of the network, read back from its row's canvas: {"layer:channel": [r, g, b, a, ...]}.
ALL_MAPS = """() => { MAP_PIXELS;
  return Object.fromEntries([...document.querySelectorAll('#layers .map')].map(m =>
    [`${m.dataset.layer}:${m.dataset.channel}`, mapPixels(m).data]));
}""".replace("MAP_PIXELS", MAP_PIXELS_JS)


def traces_shown(page) -> int:
    return int(page.evaluate("document.body.dataset.traces || 0"))


def wait_for_trace_after(page, count):
    page.wait_for_function(f"() => Number(document.body.dataset.traces || 0) > {count}", timeout=10000)


def test_an_ablation_repaints_only_the_maps_it_changed_and_matches_a_page_drawn_from_scratch(page, laptop_context, server):
    draw(page, SEVEN)
    prediction = page.get_by_test_id("prediction")
    expect(prediction).to_have_attribute("data-label", "7", timeout=10000)
    page.wait_for_timeout(400)  # the stroke's final answer, with its pictures, has landed
    page.locator("#tab-edit").click()
    page.locator('[data-role="ablate-layer"]').select_option("conv2")

    def ablate(channel):
        page.locator('[data-role="ablate-which"]').fill(str(channel))
        count = traces_shown(page)
        page.locator('[data-role="ablate"]').click()
        wait_for_trace_after(page, count)

    # The first edit turns the drawing's compact trace (conv1 computed on the page) into the
    # server's full trace, whose conv1 may differ in the last bits; from the second on, an
    # edit of conv2 leaves the input and conv1 exactly as they were.
    ablate(3)
    page.evaluate(COUNT_WRITES)
    ablate(5)
    expect(page.locator(".lab-edits li")).to_have_count(2)
    # Not one canvas of the input or of conv1 written. The switched-off map is zero
    # everywhere, so it is written and shows one colour.
    assert page.evaluate(WRITES, "input") == [0]
    assert page.evaluate(WRITES, "conv1") == [0] * 6
    assert page.evaluate(WRITES, "conv2")[5] >= 1
    ablated = map_rgba(page.locator('#layers .map[data-layer="conv2"][data-channel="5"]'))
    assert len(np.unique(ablated.reshape(-1, 4), axis=0)) == 1
    # What every canvas shows equals a fresh page of the same address, which writes every
    # canvas (a canvas wrongly left alone would differ there).
    for _ in range(50):  # the address is written once the edits rest
        if unquote(page.url).count("ablate") == 2:
            break
        page.wait_for_timeout(100)
    live = page.evaluate(ALL_MAPS)
    fresh = open_ready(laptop_context, page.url)
    try:
        expect(fresh.locator(".lab-edits li")).to_have_count(2, timeout=10000)
        fresh.wait_for_function("() => Number(document.body.dataset.traces || 0) >= 1", timeout=10000)
        drawn = fresh.evaluate(ALL_MAPS)
    finally:
        fresh.close()
    assert drawn.keys() == live.keys() and len(live) == 1 + 6 + 6 + 16 + 16
    different = [key for key in live if live[key] != drawn[key]]
    assert not different, f"maps left stale after live edits: {different}"
    assert not page.console.errors


def test_the_address_waits_for_a_dragged_slider_to_rest(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.locator("#tab-transform").click()
    slider = page.locator('#lab-transform input[data-key="rotate"]')
    slider.scroll_into_view_if_needed()
    page.wait_for_timeout(600)  # what the click and the drawing wrote is written
    page.evaluate(COUNT_WRITES)
    slider.evaluate("s => { window.__changes = []; s.addEventListener('input', () => window.__changes.push(performance.now())); }")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    count = traces_shown(page)
    for i in range(1, 16):  # 1.2 s of steps 80 ms apart: never 300 ms at rest
        page.mouse.move(box["x"] + box["width"] * (0.5 + 0.3 * i / 15), y)
        page.wait_for_timeout(80)
    assert traces_shown(page) > count + 1, "answers were shown while dragging"
    # Quiet, the drag never rests 300 ms nor lasts 2 s, so nothing is written. On a busy machine
    # a step may come late: a write is then allowed only where the rule allows one.
    changes, writes = page.evaluate("[window.__changes, window.__replacedAt]")
    flowing_since = changes[0]
    for at in writes:
        rested = at - max(c for c in changes if c <= at) >= 300 - 20
        flowed = at - flowing_since >= 2000 - 20
        assert rested or flowed, "the address was rewritten while the slider moved"
        flowing_since = min([c for c in changes if c > at], default=at)
    during = len(writes)
    page.mouse.up()  # letting go writes it at once, with where the drag ended
    assert page.evaluate("window.__replaced") == during + 1
    assert f"tf=0,0,{slider.input_value()}," in page.url
    assert not page.console.errors
