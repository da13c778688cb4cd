"""The Train form keeps each control beside its label on a wide screen: before, a checkbox sat
in the middle of a 900-pixel column, far from the words that name it."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

PAIRS = """form => [...form.querySelectorAll('label[for]')].map(l => {
  const c = document.getElementById(l.htmlFor), a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
  return {name: l.htmlFor, left: b.left, gap: b.left - a.right, width: b.width, rowGap: Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2)};
})"""


def test_every_train_control_sits_beside_its_label(page):
    form = page.locator("#train form")
    form.scroll_into_view_if_needed()
    pairs = form.evaluate(PAIRS)
    assert len(pairs) >= 15
    # The controls start in one column, just past the widest label (the grid's gap, 0.5rem).
    lefts = [p["left"] for p in pairs]
    assert max(lefts) - min(lefts) < 1, f"controls not lined up beside the labels: {pairs}"
    assert 0 <= min(p["gap"] for p in pairs) <= 0.5 * 15 + 1
    assert max(p["width"] for p in pairs) <= 18 * 15 + 1, "a control stretched wider than the form needs"
    assert all(p["rowGap"] < 12 for p in pairs), "a control not on its label's line"
