"""The pad's hint stays readable over what is drawn under it: over a light photo of paper as
well as over the black pad. Its words are checked against the lightest and darkest pixels the pad
painted under them, seen through the hint's own background."""

from __future__ import annotations

import pytest

from .helpers import photo_of_a_seven

pytest.importorskip("playwright")
from playwright.sync_api import expect

# The pad's pixels under the hint (its box mapped into the canvas), as [darkest, lightest] RGB,
# and the hint's colours as the page computed them.
UNDER_THE_HINT = """() => {
  const pad = document.getElementById('draw-pad'), hint = document.getElementById('pad-hint');
  const p = pad.getBoundingClientRect(), h = hint.getBoundingClientRect();
  const sx = pad.width / p.width, sy = pad.height / p.height;
  const x0 = Math.max(0, Math.floor((h.left - p.left) * sx)), x1 = Math.min(pad.width, Math.ceil((h.right - p.left) * sx));
  const y0 = Math.max(0, Math.floor((h.top - p.top) * sy)), y1 = Math.min(pad.height, Math.ceil((h.bottom - p.top) * sy));
  const d = pad.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
  let dark = null, light = null, lum = (i) => d[i] * 0.2126 + d[i + 1] * 0.7152 + d[i + 2] * 0.0722;
  for (let i = 0; i < d.length; i += 4) {
    if (dark === null || lum(i) < lum(dark)) dark = i;
    if (light === null || lum(i) > lum(light)) light = i;
  }
  const s = getComputedStyle(hint);
  return {inside: h.left >= p.left - 1 && h.right <= p.right + 1 && h.top >= p.top - 1 && h.bottom <= p.bottom + 1,
          under: [[d[dark], d[dark + 1], d[dark + 2]], [d[light], d[light + 1], d[light + 2]]],
          color: s.color, background: s.backgroundColor, text: hint.textContent};
}"""


def _rgba(css: str) -> list[float]:
    values = [float(v) for v in css[css.index("(") + 1:-1].split(",")]
    return values + [1.0] * (4 - len(values))


def _luminance(rgb) -> float:
    lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast_over(text_css: str, background_css: str, backdrop) -> float:
    """WCAG contrast of the text against its background laid over a backdrop pixel."""
    *bg, alpha = _rgba(background_css)
    seen = [alpha * b + (1 - alpha) * u for b, u in zip(bg, backdrop)]
    hi, lo = sorted((_luminance(_rgba(text_css)[:3]), _luminance(seen)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _check(page):
    m = page.evaluate(UNDER_THE_HINT)
    assert m["inside"], "the hint is drawn outside the pad"
    for backdrop in m["under"]:
        ratio = _contrast_over(m["color"], m["background"], backdrop)
        assert ratio >= 4.5, f"{m['text']!r} reads at {ratio:.2f}:1 over the pad pixel {backdrop}"


def test_the_pad_hint_is_readable_over_the_black_pad_and_over_a_photo(page, tmp_path):
    expect(page.locator("#pad-hint")).to_be_visible()
    _check(page)
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_of_a_seven())
    page.get_by_test_id("upload").set_input_files(str(path))
    expect(page.locator("#pad-hint")).to_contain_text("Showing your photo", timeout=30000)
    _check(page)
    assert page.console.errors == []
