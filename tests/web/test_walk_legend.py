"""Before anything is drawn a layer's colour legend shows nothing rather than an empty box with
no numbers; once an answer is shown every legend shows its range; cleared, they go again."""

from __future__ import annotations

import pytest

from .helpers import SEVEN, draw_settled

pytest.importorskip("playwright")
from playwright.sync_api import expect

# For each legend: is it drawn (its box visible at its place), and the numbers it shows.
LEGENDS = """() => [...document.querySelectorAll('#layers .legend')].map(l => {
  const r = l.getBoundingClientRect();
  return {layer: l.closest('.layer').dataset.layer, seen: getComputedStyle(l).visibility === 'visible',
          text: l.textContent.trim(), width: r.width};
})"""


def test_a_legend_shows_only_with_numbers(page):
    before = page.evaluate(LEGENDS)
    assert before and all(not l["seen"] for l in before), [l for l in before if l["seen"]]
    assert all(l["width"] > 0 for l in before), "the legend's room is kept (nothing moves when it shows)"
    draw_settled(page, SEVEN)
    after = page.evaluate(LEGENDS)
    assert all(l["seen"] and any(ch.isdigit() for ch in l["text"]) for l in after), after
    page.locator("#clear").click()
    expect(page.get_by_test_id("prediction")).to_have_text("?")
    page.wait_for_function("() => [...document.querySelectorAll('#layers .legend')].every(l => getComputedStyle(l).visibility === 'hidden')")
    assert page.console.errors == []
