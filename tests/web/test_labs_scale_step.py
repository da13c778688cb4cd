"""The Transform lab's scale slider moves in hundredths, so a drag changes the picture on every
move the pointer reports; a link written when it moved in twentieths opens where it was."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import open_ready


def link_scale(page) -> float:
    """The scale the page's address holds (tf=dx,dy,rotate,scale,thickness)."""
    fields = dict(part.split("=", 1) for part in page.evaluate("location.hash").lstrip("#").split("&") if "=" in part)
    return float(fields["tf"].split(",")[3])


def test_an_old_link_opens_at_its_scale_and_an_arrow_key_moves_it_by_a_hundredth(laptop_context, server):
    page = open_ready(laptop_context, f"{server}/#model=mnist&lab=transform&tf=0,0,0,1.05,0")
    try:
        slider = page.locator('#lab-transform input[data-key="scale"]')
        readout = page.locator('#lab-transform input[data-key="scale"] + output')
        expect(slider).to_have_value("1.05")
        expect(readout).to_have_text("1.05×")
        slider.focus()
        page.keyboard.press("ArrowRight")
        expect(slider).to_have_value("1.06")
        expect(readout).to_have_text("1.06×")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(readout).to_have_text("1.04×")
        # a key let go writes the address at once
        page.wait_for_function("() => location.hash.includes('tf=0,0,0,1.04,0')", timeout=5000)
        assert link_scale(page) == 1.04
        # A drag across the whole track passes through every hundredth it crosses: one move a
        # pixel, over the track's middle fifth, gives about as many values as pixels.
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        seen = set()
        page.mouse.move(box["x"] + box["width"] * 0.4, y)
        page.mouse.down()
        for px in range(int(box["width"] * 0.4), int(box["width"] * 0.6)):
            page.mouse.move(box["x"] + px, y)
            seen.add(slider.input_value())
        page.mouse.up()
        assert len(seen) >= min(19, int(box["width"] * 0.2 * 0.6)), f"only {len(seen)} values over a fifth of the track"
        assert not page.console.errors
    finally:
        page.close()
