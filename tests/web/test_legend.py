"""Each layer's colour legend states the range of what the layer shows, and its two ends are
the colours the extreme units are painted in. Ranges are worked out from a forward pass of
the input the page shows; colours are read from the canvases."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.models import load_model

from .helpers import SEVEN, draw_settled, input_seen, map_rgba

pytest.importorskip("playwright")


@pytest.fixture(scope="module")
def network():
    return load_model("mnist").network


def _number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def _expected_range(values: np.ndarray) -> tuple[float, float]:
    """Non-negative values: 0 to the largest. Signed ones: symmetric about zero (white)."""
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0:
        return 0.0, hi
    m = max(-lo, hi)
    return -m, m


def _pixel(page, selector: str, x: int, y: int) -> np.ndarray:
    """RGB of unit (y, x) of the map or strip `selector` names, as its canvas holds it."""
    if ".map" in selector:
        return map_rgba(page.locator(selector))[y, x, :3]
    return np.array(page.locator(selector).evaluate(f"c => Array.from(c.getContext('2d').getImageData({x}, {y}, 1, 1).data)")[:3])


def _ramp_ends(page, selector: str) -> tuple[np.ndarray, np.ndarray]:
    """RGB of the legend's ramp as the browser drew it, just inside its left and right edges."""
    ramp = page.locator(selector)
    ramp.scroll_into_view_if_needed()
    # The box inside the border, on whole pixels of the viewport.
    x, y, w, h = ramp.evaluate("""e => { const r = e.getBoundingClientRect();
      const x = Math.ceil(r.left + e.clientLeft), y = Math.ceil(r.top + e.clientTop);
      return [x, y, Math.floor(r.left + e.clientLeft + e.clientWidth) - x, Math.floor(r.top + e.clientTop + e.clientHeight) - y]; }""")
    shot = page.screenshot(clip={"x": x, "y": y, "width": w, "height": h})
    row = np.array(Image.open(io.BytesIO(shot)).convert("RGB"))[h // 2]
    return row[0], row[-1]


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return int(np.abs(a.astype(int) - b.astype(int)).sum()) <= 30  # one step of the colour table at most


def test_legends_state_each_layers_range_and_their_ends_are_the_extreme_units_colours(page, network):
    draw_settled(page, SEVEN)  # drawn once: a draw costs more than all the checks
    traces = network.trace(input_seen(page))
    for name in ("conv1", "pool2", "fc3"):  # after a ReLU, a pooled map, signed scores
        _check_legend(page, network, traces, name)


def _check_legend(page, network, traces, name):
    values = traces[network.architecture.index(name)].output
    lo, hi = _expected_range(values)
    row = f'section.layer[data-layer="{name}"]'
    shown_lo = _number(page.locator(f"{row} .legend-lo").inner_text())
    shown_hi = _number(page.locator(f"{row} .legend-hi").inner_text())
    # Three significant digits on the page; float16 maps on the wire.
    assert shown_lo == pytest.approx(lo, rel=6e-3, abs=1e-3) and shown_hi == pytest.approx(hi, rel=6e-3, abs=1e-3)
    left, right = _ramp_ends(page, f"{row} .legend-ramp")
    ends = {lo: left, hi: right}
    # The unit furthest from zero is painted in the colour of the legend's end on its side.
    flat = int(np.abs(values).argmax())
    extreme = float(values.reshape(-1)[flat])
    if values.ndim == 3:
        c, y, x = np.unravel_index(flat, values.shape)
        canvas = f'{row} .map[data-channel="{c}"]'
    else:
        canvas = f"{row} .strip canvas"
        cols = page.locator(canvas).evaluate("c => c.width")
        y, x = divmod(flat, cols)
    painted = _pixel(page, canvas, int(x), int(y))
    assert _close(painted, ends[hi if extreme > 0 else lo]), (painted, ends)
    if lo == 0 and (values == 0).any():  # after a ReLU: a zero is the legend's low end
        flat0 = int(np.flatnonzero(values.reshape(-1) == 0)[0])
        if values.ndim == 3:
            c, y, x = np.unravel_index(flat0, values.shape)
            canvas = f'{row} .map[data-channel="{c}"]'
        else:
            y, x = divmod(flat0, cols)
        zero = _pixel(page, canvas, int(x), int(y))
        assert _close(zero, ends[0.0]), (zero, ends)
