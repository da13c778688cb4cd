"""Drawing and pointing helpers for the browser tests."""

import io
import itertools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def pad_point(page, x, y):
    """Page coordinates of point (x, y) in the pad's own 280x280 drawing space."""
    box = page.get_by_test_id("draw-pad").bounding_box()
    return box["x"] + x * box["width"] / 280, box["y"] + y * box["height"] / 280


def draw(page, strokes, steps=12):
    """Draw strokes (lists of (x, y) in pad space) with the mouse, moving in small steps."""
    for stroke in strokes:
        page.mouse.move(*pad_point(page, *stroke[0]))
        page.mouse.down()
        for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
            for i in range(1, steps + 1):
                t = i / steps
                page.mouse.move(*pad_point(page, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
        page.mouse.up()


def unit_point(page, layer, channel, y, x):
    """Page coordinates of the centre of unit (channel, y, x) of a map layer."""
    canvas = page.locator(f'.map[data-layer="{layer}"][data-channel="{channel}"] canvas')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    h, w = canvas.evaluate("c => [c.height, c.width]")
    return box["x"] + (x + 0.5) * box["width"] / w, box["y"] + (y + 0.5) * box["height"] / h


ONE = [[(140, 45), (138, 235)]]
SEVEN = [[(75, 60), (205, 60), (120, 235)]]


def photo_of_a_seven() -> bytes:
    """A large photo-like picture: dark ink on an uneven light background, digit off-centre."""
    w, h = 900, 700
    rng = np.random.default_rng(4)
    ramp = np.linspace(225, 245, w)[None, :] + rng.normal(0, 3, (h, w))
    img = Image.fromarray(np.clip(ramp, 0, 255).astype(np.uint8), "L")
    pen = ImageDraw.Draw(img)
    pen.line([(120, 90), (380, 95), (215, 470)], fill=35, width=34, joint="curve")
    img = img.filter(ImageFilter.GaussianBlur(1.5)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


# The page announces every applied answer with a "cnnvis:rendered" event whose key ends in
# " final" for the answer to a finished stroke (asked with the preprocessing pictures).
_RECORD_FINALS = """() => {
  if (window.__finals === undefined) {
    window.__finals = 0;
    document.addEventListener("cnnvis:rendered", (e) => {
      if (String(e.detail.key).endsWith(" final")) window.__finals += 1;
    });
  }
  return window.__finals;
}"""


def draw_settled(page, strokes, steps=12):
    """Draw strokes like draw(), waiting after each for the answer to the finished stroke.

    Answers arrive while a stroke is drawn, too; a test that reads the page after the first
    answer with the right label may read a drawing from the middle of the stroke."""
    for stroke in strokes:
        before = page.evaluate(_RECORD_FINALS)
        draw(page, [stroke], steps)
        page.wait_for_function(f"() => window.__finals > {before}", timeout=15000)


def cells_drawn(page, selector):
    """Where each element matching `selector` is drawn, in cells of the map or strip under it.

    Measured from the elements' boxes on screen against the canvas they lie over (its box on
    screen and its size in cells), not read from any attribute the highlighter wrote:
    [{y0, x0, y1, x1 (inclusive, in cells, not rounded), rows, cols, channel (maps only)}],
    the channel being the map's own data-channel, set when the map was built."""
    return page.locator(selector).evaluate_all(
        """els => els.map(e => {
          const host = e.closest(".map, .strip");
          const canvas = host.querySelector("canvas");
          const c = canvas.getBoundingClientRect(), r = e.getBoundingClientRect();
          const cw = c.width / canvas.width, ch = c.height / canvas.height;
          const x0 = (r.left - c.left) / cw, x1 = (r.right - c.left) / cw - 1;
          const y0 = (r.top - c.top) / ch, y1 = (r.bottom - c.top) / ch - 1;
          const box = {x0, y0, x1, y1, cols: canvas.width, rows: canvas.height, cellWidth: cw, cellHeight: ch};
          if (host.classList.contains("map")) box.channel = Number(host.dataset.channel);
          return box;
        })"""
    )


def whole_cells(box, tolerance=0.2):
    """A drawn box's (y0, x0, y1, x1) in whole cells; fails if an edge falls between cells.

    A box is never drawn narrower than its two 2-pixel borders: over one cell of fewer than
    4 pixels, its far edge lies 4 pixels past its near edge instead of on a cell edge."""
    y0, x0 = round(box["y0"]), round(box["x0"])
    assert abs(box["y0"] - y0) <= tolerance and abs(box["x0"] - x0) <= tolerance, f"box not on cell edges: {box}"
    ends = []
    for near, key, cell in ((y0, "y1", box["cellHeight"]), (x0, "x1", box["cellWidth"])):
        end = box[key]
        if abs(end - round(end)) <= tolerance:
            ends.append(round(end))
        else:
            assert abs(end - (near + 4 / cell - 1)) <= tolerance, f"box not on cell edges: {box}"
            ends.append(near)
    return y0, x0, ends[0], ends[1]


def input_seen(page) -> np.ndarray:
    """The (1, 28, 28) input as the page drew it: grey level byte / 255 (the grey map is exact)."""
    reds = page.locator('.map[data-layer="input"] canvas').evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).filter((_, i) => i % 4 === 0)"
    )
    return (np.array(reds, dtype=np.float32) / 255).reshape(1, 28, 28)
