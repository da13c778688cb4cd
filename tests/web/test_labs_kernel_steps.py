"""The Kernel lab stepped through its choices: a K x K kernel shows K x K cells laid out as a
square, offers padding 0..K-1 and sends the kernel the student sees (the 7 x 7 fields are made
once and only shown or hidden, so a size step does not rebuild the lab); a new kernel writes the
output map again and leaves the input map, which it did not change, as it was."""

from __future__ import annotations

from playwright.sync_api import expect

from .helpers import SEVEN, draw

# The cells a student can see: where each sits on screen, its label and its number.
VISIBLE_CELLS = """() => [...document.querySelectorAll('#lab-kernel .kernel-cells input')]
  .filter(c => c.checkVisibility({visibilityProperty: true}))
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

    # Sobel x at size 5: the 3x3 in the middle of zeros, each number where it belongs on screen.
    page.locator('#lab-kernel select[data-key="size"]').select_option("5")
    page.locator('#lab-kernel select[data-key="kernel"]').select_option("sobel_x")
    settled_on(page, 5, 2)
    sobel = [[0, 0, 0, 0, 0], [0, -1, 0, 1, 0], [0, -2, 0, 2, 0], [0, -1, 0, 1, 0], [0, 0, 0, 0, 0]]
    cells = page.evaluate(VISIBLE_CELLS)
    xs, ys = sorted({round(c["x"]) for c in cells}), sorted({round(c["y"]) for c in cells})
    assert [[float(c["value"]) for c in sorted(cells, key=lambda c: (c["y"], c["x"]))][5 * r:5 * r + 5]
            for r in range(5)] == sobel
    assert len(xs) == len(ys) == 5

    # At size 5 an edited cell (row 2, column 4) goes out in its place, the rest still 1/25.
    page.locator('#lab-kernel select[data-key="kernel"]').select_option("box")
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


# Installed in the page: putImageData calls counted per canvas, and the Kernel lab's draws.
COUNT_WRITES = """() => {
  window.__writes = new Map();
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    window.__writes.set(this.canvas, (window.__writes.get(this.canvas) || 0) + 1);
    return put.apply(this, args);
  };
  window.__draws = 0;
  document.addEventListener('cnnvis:kernel-drawn', () => window.__draws++);
}"""

WRITES = """role => window.__writes.get(document.querySelector(`#lab-kernel figure[data-role="${role}"] canvas`)) || 0"""

RED = """role => { const c = document.querySelector(`#lab-kernel figure[data-role="${role}"] canvas`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return Array.from({length: d.length / 4}, (_, i) => d[4 * i]); }"""


def test_a_new_kernel_writes_the_output_again_and_leaves_the_input_map_as_it_was(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    page.locator("#tab-kernel").click()
    expect(page.locator("#lab-kernel .kernel-maps")).to_have_attribute("data-state", "ready", timeout=10000)
    page.wait_for_timeout(300)  # any answer still on its way has landed
    bodies = convolve_bodies(page)
    page.evaluate(COUNT_WRITES)
    for n, kernel in enumerate(["sobel_y", "sharpen", "laplacian"], start=1):
        page.locator('#lab-kernel select[data-key="kernel"]').select_option(kernel)
        page.wait_for_function(f"() => window.__draws >= {n}", timeout=10000)
    page.wait_for_timeout(300)
    draws = page.evaluate("window.__draws")
    assert page.evaluate(WRITES, "output") == draws  # each answer's output painted
    assert page.evaluate(WRITES, "input-0") == 0  # the same input, not written again
    # and the input map still shows the pixels the lab convolves (grey: 0..1 as 0..255)
    pixels = [v for row in bodies[-1]["pixels"] for v in row]
    red = page.evaluate(RED, "input-0")
    assert len(red) == 28 * 28
    assert max(abs(r - 255 * v) for r, v in zip(red, pixels)) <= 2
    assert sum(v > 0.5 for v in pixels) > 20  # a seven, not an empty picture
