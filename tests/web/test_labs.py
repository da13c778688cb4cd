"""The labs in the browser: a slider moves the maps, Sobel draws edges, an ablation changes the
answer, and every lab is reachable from the keyboard."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import SEVEN, draw, map_rgba

pytest.importorskip("playwright")
from playwright.sync_api import expect


def conv1_map(page, channel=0):
    """The pixels of one conv1 map canvas as the page painted them: (H, W) of summed RGB."""
    rgba = map_rgba(page.locator(f'.map[data-layer="conv1"][data-channel="{channel}"]')).astype(np.int32)
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


def test_a_refused_stride_shows_its_own_formula_even_after_an_earlier_answer_lands(page):
    drawn_seven(page)
    page.locator("#tab-kernel").click()
    expect(page.locator("#lab-kernel .kernel-maps")).to_have_attribute("data-state", "ready", timeout=10000)
    # Every Kernel lab answer held back 0.8 s, so the next setting is chosen while one is on its way.
    page.evaluate("""() => {
      const plain = window.fetch;
      window.fetch = async (...args) => {
        const response = await plain(...args);
        if (String(args[0]).endsWith('/convolve')) await new Promise(r => setTimeout(r, 800));
        return response;
      };
    }""")
    page.locator('#lab-kernel select[data-key="stride"]').select_option("3")  # (28 - 3 + 2) / 3 + 1 = 10 fits
    page.locator('#lab-kernel select[data-key="padding"]').select_option("0")  # (28 - 3 + 0) / 3 + 1 does not
    expect(page.locator("#lab-kernel .lab-note")).to_contain_text("stride does not fit", timeout=10000)
    formula = page.get_by_test_id("kernel-formula")
    expect(formula).to_contain_text("not a whole number")
    expect(formula).to_contain_text("(28 − 3 + 2×0) / 3")


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
    # Arrow keys go along the row of labs, opening each; past the last comes the first.
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement?.id") == "tab-transform"
    expect(page.locator("#lab-transform")).to_be_visible()
    expect(page.locator("#lab-kernel")).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-edit")).to_have_attribute("aria-selected", "true")
    assert page.evaluate("document.activeElement?.id") == "tab-edit"
    assert not page.console.errors


def painted(page, layer):
    """A map canvas of the network as painted, (28, 28) of grey levels 0..1 (mean of R, G, B)."""
    rgba = map_rgba(page.locator(f'.map[data-layer="{layer}"][data-channel="0"]')).astype(np.float64)
    return rgba[..., :3].mean(axis=2) / 255


def moved_by_pillow(before, key, value):
    """The untransformed input moved by an independent route: Pillow's own geometry."""
    from PIL import Image, ImageFilter

    img = Image.fromarray(np.round(before * 255).astype(np.uint8))
    c = 14.0  # the image's centre, in Pillow's pixel-edge coordinates
    if key == "thickness":
        grow = ImageFilter.MaxFilter(3) if value > 0 else ImageFilter.MinFilter(3)
        for _ in range(abs(int(value))):
            img = img.filter(grow)
    elif key == "rotate":
        img = img.rotate(value, resample=Image.BILINEAR, center=(c, c))
    else:
        dx, dy, s = {"dx": (value, 0, 1), "dy": (0, value, 1), "scale": (0, 0, value)}[key]
        img = img.transform((28, 28), Image.AFFINE, (1 / s, 0, c - c / s - dx, 0, 1 / s, c - c / s - dy), Image.BILINEAR)
    return np.asarray(img, np.float64) / 255


def corr(a, b):
    """Pearson correlation; -1 when either picture is one flat level (nothing to compare)."""
    if a.std() == 0 or b.std() == 0:
        return -1.0
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def shown_after(page, slider, key, before, before_map):
    """Waits until the page shows the input moved by the slider's value, then checks the maps."""
    value = float(slider.input_value())
    assert value != {"scale": 1}.get(key, 0), f"{key} did not move"
    expected = moved_by_pillow(before, key, value)
    for _ in range(200):  # the answer for the last position lands (no time limit is asserted)
        after = painted(page, "input")
        if corr(after, expected) > 0.93:
            break
        page.wait_for_timeout(100)
    assert corr(after, expected) > 0.93, f"{key}={value}: the drawn input is not the input moved"
    assert corr(after, expected) > corr(after, before) + 0.02, f"{key}={value}: the drawn input did not move"
    conv1 = painted(page, "conv1")
    assert np.abs(conv1 - before_map).mean() > 0.01, f"{key}={value}: conv1 was not traced again"
    if key in ("dx", "dy") and value == int(value):  # conv1's map moved with the input
        axis = 1 if key == "dx" else 0
        inner = (slice(6, 22), slice(6, 22))
        assert corr(conv1[inner], np.roll(before_map, int(value), axis=axis)[inner]) > corr(conv1[inner], before_map[inner])
    return value


def link_transform(page):
    """The transform the page's address holds now (tf=dx,dy,rotate,scale,thickness; none: identity)."""
    hash_ = page.evaluate("location.hash")
    fields = dict(part.split("=", 1) for part in hash_.lstrip("#").split("&") if "=" in part)
    values = [float(v) for v in fields.get("tf", "0,0,0,1,0").split(",")]
    return dict(zip(("dx", "dy", "rotate", "scale", "thickness"), values))


def test_each_transform_slider_moves_the_drawn_input_by_pointer_and_by_keyboard(page):
    drawn_seven(page)
    before, before_map = painted(page, "input"), painted(page, "conv1")
    page.locator("#tab-transform").click()
    back = page.locator("#lab-transform button", has_text="Put it back")
    # (slider, where the pointer lets go as a share of the track, arrow presses and which way)
    for key, at, presses, arrow in [("dx", 0.75, 6, "ArrowLeft"), ("dy", 0.8, 6, "ArrowLeft"),
                                    ("rotate", 0.75, 30, "ArrowLeft"), ("scale", 0.8, 30, "ArrowLeft"),
                                    ("thickness", 1.0, 1, "ArrowRight")]:  # thinning a pen stroke can empty it
        slider = page.locator(f'#lab-transform input[data-key="{key}"]')
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, y)  # the thumb rests in the middle
        page.mouse.down()
        for i in range(1, 11):  # a drag in ten moves, as a hand makes it
            page.mouse.move(box["x"] + box["width"] * (0.5 + (at - 0.5) * i / 10), y)
        page.mouse.up()
        # While the slider moves the address waits for it to rest (or 2 s); letting go
        # writes it at once, so a link copied now reopens the lab where the drag ended.
        assert link_transform(page)[key] == float(slider.input_value()), f"{key}: the link lost the end of the drag"
        shown_after(page, slider, key, before, before_map)
        back.click()
        slider.focus()
        for _ in range(presses):
            page.keyboard.press(arrow)
        shown_after(page, slider, key, before, before_map)
        back.click()
    assert not page.console.errors
