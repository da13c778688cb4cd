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
