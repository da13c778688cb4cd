"""The confusion matrix as a student sees it on a laptop and a phone: every row says which class
it is (its label drawn in full beside the row, not covered, even with the grid scrolled to its far
end), and every count is drawn inside its own cell, legible on its cell's colour. Measured on the boxes the page drew."""

from __future__ import annotations

import pytest

from .conftest import LAPTOP, open_ready

pytest.importorskip("playwright")

SIZES = {
    "laptop": {"viewport": LAPTOP},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}

# For each row of the drawn grid: its label's box, the box of the label's text, the first count
# of the row and what is drawn on top at the label's centre; and each count's text box against
# its cell's box.
MEASURE = """grid => {
  const text = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
  const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const cells = [...grid.querySelectorAll('.why-cell')];
  const rows = [];
  for (const first of cells.filter((c) => c.dataset.predicted === '0')) {
    const head = first.previousElementSibling;
    const b = head.getBoundingClientRect();
    const hit = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
    rows.push({true: first.dataset.true, label: head.textContent, head: box(b), text: box(text(head)),
               first: box(first.getBoundingClientRect()), onTop: hit === head || head.contains(hit)});
  }
  const spills = cells.filter((c) => {
    const t = text(c), b = c.getBoundingClientRect();
    return t.left < b.left - 0.5 || t.right > b.right + 0.5;
  }).map((c) => c.textContent);
  const small = cells.map((c) => c.getBoundingClientRect()).filter((r) => r.width < 24 || r.height < 24).length;
  const colours = cells.map((c) => { const s = getComputedStyle(c); return [c.textContent, s.color, s.backgroundColor]; });
  return {rows, spills, colours, small};
}"""


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in css[css.index("(") + 1:-1].split(",")[:3])


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb() colours."""
    def lum(rgb):
        lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(_rgb(a)), lum(_rgb(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _check_rows(rows, names, scrolled=False):
    assert [r["label"] for r in rows] == names
    for r in rows:
        head, text, first = r["head"], r["text"], r["first"]
        assert text["right"] - text["left"] > 2, f"row {r['true']}: its label is drawn {text} wide"
        assert head["left"] - 0.5 <= text["left"] and text["right"] <= head["right"] + 0.5, f"row {r['true']}: label cut"
        if not scrolled:  # scrolled, the labels stay at the left over the counts that went under them
            assert head["right"] <= first["left"] + 0.5, f"row {r['true']}: the label overlaps its first count"
        assert first["top"] - 0.5 <= (text["top"] + text["bottom"]) / 2 <= first["bottom"] + 0.5, f"row {r['true']}: label off its row"
        assert r["onTop"], f"row {r['true']}: something is drawn over its label"


@pytest.mark.parametrize("size", list(SIZES))
def test_every_row_of_the_confusion_matrix_shows_its_class(browser, server, size):
    context = browser.new_context(**SIZES[size])
    try:
        page = open_ready(context, f"{server}/")
        grid = page.get_by_test_id("confusion")
        grid.locator(".why-cell").first.wait_for(timeout=20000)
        grid.scroll_into_view_if_needed()
        names = [str(k) for k in range(10)]
        measured = grid.evaluate(MEASURE)
        _check_rows(measured["rows"], names)
        assert measured["spills"] == [], f"counts drawn past their cells: {measured['spills']}"
        assert measured["small"] == 0, "cells under 24 x 24 px are hard to tap"
        faint = [(n, fg, bg) for n, fg, bg in measured["colours"] if _contrast(fg, bg) < 4.5]
        assert faint == [], f"counts hard to read on their cell's colour (under 4.5:1): {faint[:5]}"
        # Scrolled to its far end (where the grid is wider than its card), the labels still show.
        grid.evaluate("g => { g.scrollLeft = g.scrollWidth; }")
        _check_rows(grid.evaluate(MEASURE)["rows"], names, scrolled=True)
        assert page.console.errors == []
    finally:
        context.close()
