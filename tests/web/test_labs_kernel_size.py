"""The Kernel lab's size steps: a K x K kernel shows K x K cells laid out as a square, offers
padding 0..K-1, and sends the kernel the student sees; the 7 x 7 fields are made once and only
shown or hidden, so a step through the sizes does not rebuild the lab."""

from __future__ import annotations

from .helpers import SEVEN, draw

from playwright.sync_api import expect

# The cells a student can see: where each sits on screen, its label and its number.
VISIBLE_CELLS = """() => [...document.querySelectorAll('#lab-kernel .kernel-cells input')]
  .filter(c => c.offsetParent !== null)
  .map(c => { const b = c.getBoundingClientRect(); return {x: b.x, y: b.y, label: c.getAttribute('aria-label'), value: c.value}; })"""

OFFERED_PADDING = """() => [...document.querySelectorAll('#lab-kernel select[data-key="padding"] option')]
  .filter(o => !o.hidden && !o.disabled).map(o => Number(o.value))"""


def convolve_bodies(page):
    bodies = []
    page.on("request", lambda r: r.url.endswith("/api/convolve") and bodies.append(r.post_data_json))
    return bodies


def settled_on(page, k, padding):
    """Waits until the formula shows K and padding P and the maps are drawn for them."""
    expect(page.get_by_test_id("kernel-formula")).to_contain_text(f"(28 − {k} + 2×{padding})", timeout=10000)
    expect(page.locator("#lab-kernel .kernel-maps")).to_have_attribute("data-state", "ready", timeout=10000)


def test_each_size_shows_a_square_of_k_by_k_cells_offers_its_padding_and_sends_that_kernel(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.locator("#tab-kernel").click()
    bodies = convolve_bodies(page)
    page.locator('#lab-kernel select[data-key="kernel"]').select_option("box")
    # Every field marked, so a field made again after a step is seen as new.
    page.evaluate("() => document.querySelectorAll('#lab-kernel .kernel-cells input').forEach(c => c.__kept = true)")
    for k, padding in [(7, 6), (3, 2), (5, 2), (3, 2)]:  # padding 6 is cut to K-1 when the kernel shrinks
        page.locator('#lab-kernel select[data-key="size"]').select_option(str(k))
        if k == 7:
            page.locator('#lab-kernel select[data-key="padding"]').select_option("6")
        settled_on(page, k, padding)
        cells = page.evaluate(VISIBLE_CELLS)
        assert len(cells) == k * k
        xs, ys = sorted({round(c["x"]) for c in cells}), sorted({round(c["y"]) for c in cells})
        assert len(xs) == k and len(ys) == k, f"{k}: the cells are not a {k} x {k} square"
        for c in cells:  # each field sits where its label says, and holds the box blur's 1/K²
            row, col = ys.index(round(c["y"])), xs.index(round(c["x"]))
            assert c["label"] == f"kernel row {row + 1}, column {col + 1}"
            assert abs(float(c["value"]) - 1 / k**2) < 1e-3
        assert page.evaluate(OFFERED_PADDING) == list(range(k))
        assert page.locator('#lab-kernel select[data-key="padding"]').input_value() == str(padding)
        sent = bodies[-1]
        assert len(sent["kernel"]) == k and all(len(row) == k for row in sent["kernel"])
        assert sent["padding"] == padding
    assert page.evaluate("() => [...document.querySelectorAll('#lab-kernel .kernel-cells input')].every(c => c.__kept)")

    # At size 5 an edited cell (row 2, column 4) goes out in its place, the rest still 1/25.
    page.locator('#lab-kernel select[data-key="size"]').select_option("5")
    settled_on(page, 5, 2)
    page.get_by_label("kernel row 2, column 4").fill("3")
    page.get_by_label("kernel row 2, column 4").dispatch_event("change")
    for _ in range(100):  # the request for the edit goes out (no time limit is asserted)
        if bodies[-1]["kernel"][1][3] != 1 / 25:
            break
        page.wait_for_timeout(100)
    kernel = bodies[-1]["kernel"]
    assert kernel[1][3] == 3
    assert all(abs(kernel[y][x] - 1 / 25) < 1e-6 for y in range(5) for x in range(5) if (y, x) != (1, 3))
    assert not page.console.errors
