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


# A map is an empty box over its row's one canvas. What it shows is read back from that canvas at
# the centre of each of its units, found from where the box and the canvas sit on the screen:
# {width, height, data} with data h*w RGBA bytes, as a canvas of the map's own would hold them.
# The map's size in units is its row's --w and --h, which the page sets from the layer's shape.
MAP_PIXELS_JS = """function mapPixels(m) {
  const body = m.closest('.layer-body');
  const canvas = body.querySelector('canvas.maps-canvas');
  const style = getComputedStyle(body);
  const w = Number(style.getPropertyValue('--w')), h = Number(style.getPropertyValue('--h'));
  const cr = canvas.getBoundingClientRect(), mr = m.getBoundingClientRect();
  const sx = canvas.width / cr.width, sy = canvas.height / cr.height;
  const all = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const px = Math.floor((mr.left - cr.left + ((x + 0.5) * mr.width) / w) * sx);
    const py = Math.floor((mr.top - cr.top + ((y + 0.5) * mr.height) / h) * sy);
    const i = (py * canvas.width + px) * 4, o = (y * w + x) * 4;
    for (let k = 0; k < 4; k++) data[o + k] = all[i + k];
  }
  return { width: w, height: h, data };
}"""


def map_rgba(locator) -> np.ndarray:
    """What one `.map` shows, (H, W, 4) RGBA bytes read back from its row's canvas."""
    got = locator.evaluate(f"m => {{ {MAP_PIXELS_JS}; return mapPixels(m); }}")
    return np.array(got["data"], np.uint8).reshape(got["height"], got["width"], 4)


def maps_rgba(locator) -> list[np.ndarray]:
    """map_rgba of every `.map` the locator finds, in page order."""
    got = locator.evaluate_all(f"ms => {{ {MAP_PIXELS_JS}; return ms.map(mapPixels); }}")
    return [np.array(g["data"], np.uint8).reshape(g["height"], g["width"], 4) for g in got]


def map_units(locator) -> tuple[int, int]:
    """(H, W): units down and across one `.map`, from its row's --h and --w."""
    return tuple(locator.evaluate(
        "m => { const s = getComputedStyle(m.closest('.layer-body'));"
        " return [Number(s.getPropertyValue('--h')), Number(s.getPropertyValue('--w'))]; }"))


def unit_point(page, layer, channel, y, x, scope=""):
    """Page coordinates of the centre of unit (channel, y, x) of a map layer (in `scope`, a selector)."""
    box_el = page.locator(f'{scope} .map[data-layer="{layer}"][data-channel="{channel}"]'.strip())
    box_el.scroll_into_view_if_needed()
    box = box_el.bounding_box()
    h, w = map_units(box_el)
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

    Measured from the elements' boxes on screen against the map or strip they lie over (its box
    on screen and its size in cells), not read from any attribute the highlighter wrote:
    [{y0, x0, y1, x1 (inclusive, in cells, not rounded), rows, cols, channel (maps only)}],
    the channel being the map's own data-channel, set when the map was built."""
    return page.locator(selector).evaluate_all(
        """els => els.map(e => {
          const host = e.closest(".map, .strip");
          // A map's units fill its box (--w by --h of them); a strip's, its own canvas.
          const isMap = host.classList.contains("map");
          const style = getComputedStyle(host.closest(".layer-body"));
          const canvas = isMap
            ? {width: Number(style.getPropertyValue("--w")), height: Number(style.getPropertyValue("--h"))}
            : host.querySelector("canvas");
          const c = (isMap ? host : canvas).getBoundingClientRect(), r = e.getBoundingClientRect();
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
    reds = map_rgba(page.locator('.map[data-layer="input"]'))[..., 0]
    return (reds.astype(np.float32) / 255).reshape(1, 28, 28)
