"""Accessibility: axe-core (bundled by axe-playwright-python, injected from disk, no CDN) finds
no WCAG 2.x A or AA violations, nor the findings once seen, with the explain panel closed
and open, at a laptop size and a phone size; the numbers on the explain panel's cells reach
4.5:1 contrast, measured from the colours the page painted, at 11 px or more."""

from __future__ import annotations

import re

import pytest

from .conftest import LAPTOP, Console
from .helpers import SEVEN, draw, unit_point

pytest.importorskip("playwright")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
# Best-practice rules axe once flagged here (not WCAG-tagged): kept from coming back.
SEEN_BEFORE = {"aria-allowed-role", "empty-table-header"}


def _violations(page) -> list[str]:
    results = axe_sync.Axe().run(page, options={"resultTypes": ["violations"]}).response
    found = []
    for v in results["violations"]:
        if WCAG & set(v["tags"]) or v["id"] in SEEN_BEFORE:
            targets = [n["target"] for n in v["nodes"][:3]]
            found.append(f"{v['id']} ({len(v['nodes'])}): {v['help']} at {targets}")
    return found


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_axe_finds_nothing_with_the_panel_closed_and_open(browser, server, viewport):
    # Axe is a script put into the page; the page's CSP forbids that, so only here it is bypassed.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    try:
        page = context.new_page()
        console = Console(page)
        page.goto(f"{server}/")
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        draw(page, SEVEN)
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
        assert _violations(page) == []
        page.mouse.click(*unit_point(page, "conv2", 3, 4, 6))
        expect(page.get_by_test_id("unit-detail")).to_have_attribute("data-kind", "conv", timeout=10000)
        assert _violations(page) == []
        _cells_are_readable(page)
        assert console.errors == []
    finally:
        context.close()


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])

    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _cells_are_readable(page):
    cells = page.locator("#unit-detail table.numgrid td").evaluate_all(
        "tds => tds.map(td => { const s = getComputedStyle(td);"
        " return [s.color, s.backgroundColor, parseFloat(s.fontSize), td.textContent]; })"
    )
    assert len(cells) >= 75  # patch, kernel and products: 3 grids of 5x5
    for colour, background, size, text in cells:
        hi, lo = sorted((_luminance(colour), _luminance(background)), reverse=True)
        ratio = (hi + 0.05) / (lo + 0.05)
        assert ratio >= 4.5, f"{text!r}: {colour} on {background} is {ratio:.2f}:1"
        assert size >= 11, f"{text!r} at {size} px"
    headers = page.locator("#unit-detail table.numgrid th").all_inner_texts()
    corners = page.locator("#unit-detail table.numgrid th.corner").all_text_contents()
    assert corners and all(c.strip() for c in corners)  # no empty header, even where none is seen
    assert all(h.strip() for h in headers if h)
