"""The labs in the browser: a slider moves the maps, Sobel draws edges, an ablation changes the
answer, and every lab is reachable from the keyboard."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import SEVEN, draw

pytest.importorskip("playwright")
from playwright.sync_api import expect


def conv1_map(page, channel=0):
    """The pixels of one conv1 map canvas as the page painted them: (H, W) of summed RGB."""
    data = page.locator(f'.map[data-layer="conv1"][data-channel="{channel}"] canvas').evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    rgba = np.array(data, np.int32).reshape(28, 28, 4)
    return rgba[..., :3].sum(axis=2)


def drawn_seven(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)


def test_dragging_the_shift_slider_moves_the_maps(page):
    drawn_seven(page)
    before = conv1_map(page)
    page.locator("#tab-transform").click()
    slider = page.locator('#lab-transform input[data-key="dx"]')
    slider.focus()
    for _ in range(8):  # 0.5 px a press: 4 px to the right
        page.keyboard.press("ArrowRight")
    expect(page.locator('.lab-number[data-layer="conv1"]')).to_have_count(1, timeout=10000)
    # The painted map moves 4 columns right: away from the edges it matches the old one shifted by 4
    # better than by any other amount (the last answer may take a moment to land).
    def best_shift():
        after = conv1_map(page)
        return int(np.argmin([np.abs(after[:, 8:24] - before[:, 8 - s:24 - s]).mean() for s in range(8)]))
    for _ in range(50):
        if best_shift() == 4:
            break
        page.wait_for_timeout(100)
    assert best_shift() == 4
    assert "tf=4," in page.evaluate("location.hash")
    expect(page.locator('.sweep')).to_have_attribute("data-settings", "70", timeout=10000)
    assert page.locator('.sweep-axis').count() == 4


def test_choosing_sobel_shows_its_output_with_the_formula(page):
    drawn_seven(page)
    page.locator("#tab-kernel").click()
    page.locator('#lab-kernel select[data-key="kernel"]').select_option("sobel_y")
    page.locator('#lab-kernel select[data-key="stride"]').select_option("3")
    page.locator('#lab-kernel select[data-key="padding"]').select_option("0")
    formula = page.get_by_test_id("kernel-formula")
    expect(formula).to_contain_text("not a whole number")  # (28 - 3 + 0) / 3 + 1
    expect(page.locator("#lab-kernel .lab-note")).to_contain_text("stride does not fit")
    page.locator('#lab-kernel select[data-key="padding"]').select_option("1")
    expect(formula).to_contain_text("+ 1 = 10")  # (28 - 3 + 2) / 3 + 1
    output = page.locator('#lab-kernel figure[data-role="output"] canvas')
    page.wait_for_function("() => document.querySelector('#lab-kernel figure[data-role=output] canvas')?.width === 10")
    # Sobel y on a seven: the top bar's upper edge answers positive, its lower edge negative
    values = output.evaluate("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    assert len(set(values)) > 4  # not a blank map
    readout = page.locator(".kernel-readout")
    page.locator("#lab-kernel button", has_text="Step").click()
    expect(readout).to_have_attribute("data-x", "1")


def test_ablating_maps_changes_the_answer_and_reset_restores_it(page):
    drawn_seven(page)
    page.locator("#tab-edit").click()
    page.locator('[data-role="ablate-layer"]').select_option("conv2")
    for channel in range(16):  # every map of conv2 off: nothing reaches the dense layers but their biases
        page.locator('[data-role="ablate-which"]').fill(str(channel))
        page.locator('[data-role="ablate"]').click()
    expect(page.locator(".lab-edits li")).to_have_count(16)
    prediction = page.get_by_test_id("prediction")
    expect(prediction).not_to_have_attribute("data-label", "7", timeout=10000)
    assert "edits=" in page.evaluate("location.hash")
    page.locator("#lab-edit button", has_text="Reset the network").click()
    expect(prediction).to_have_attribute("data-label", "7", timeout=10000)


def test_labs_are_reachable_by_keyboard(page):
    tab = page.locator("#tab-kernel")
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.id") == "tab-kernel":
            break
    assert page.evaluate("document.activeElement?.id") == "tab-kernel"
    page.keyboard.press("Enter")
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#lab-kernel")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement?.id") == "tab-edit"
    assert not page.console.errors
