"""A colour model in the browser: R, G and B input maps, a row for every new kind, an
uploaded colour photo answered with its photo preparation, hover traced through batch norm."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.nn.architecture import COLOUR32
from app.nn.receptive import receptive_field

from .conftest import open_ready
from .helpers import draw_settled, maps_rgba, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def colour_server(extra_server):
    """The app serving the test colour model as its default (tests/web/extra_models_app.py)."""
    return extra_server


def _stripes(tmp_path):
    picture = np.zeros((64, 96, 3), np.uint8)
    picture[:, :32, 0] = picture[:, 32:64, 1] = picture[:, 64:, 2] = 255
    path = tmp_path / "stripes.png"
    buffer = io.BytesIO()
    Image.fromarray(picture, "RGB").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_colour_photo_is_answered_and_hover_traces_through_batch_norm(laptop_context, colour_server, tmp_path):
    page = open_ready(laptop_context, f"{colour_server}/")
    try:
        for spec in COLOUR32.layers:
            expect(page.locator(f'section.layer[data-layer="{spec.name}"]')).to_have_count(1)
        expect(page.locator('.map[data-layer="input"]')).to_have_count(3)
        assert page.locator('.map[data-layer="input"] .map-label').all_text_contents() == ["R", "G", "B"]
        expect(page.locator('section.layer[data-layer="dropout"] h2')).to_contain_text("identity")

        page.get_by_test_id("upload").set_input_files(str(_stripes(tmp_path)))
        prediction = page.get_by_test_id("prediction")
        expect(prediction).not_to_have_attribute("data-label", "", timeout=10000)
        steps = page.locator("#preprocessing li[data-step]")
        expect(steps).to_have_count(3)
        assert [s.get_attribute("data-step") for s in steps.all()] == ["original", "resized", "cropped"]

        channel, y, x = 2, 5, 9
        page.mouse.move(*unit_point(page, "bn1", channel, y, x))
        row = page.locator('section.layer[data-layer="bn1"]')
        expect(row).to_have_attribute("data-active-channel", str(channel))
        (conv1, normalize, raw) = receptive_field(COLOUR32, "bn1", channel, y, x)
        boxes = page.locator('section.layer[data-layer="input"] [data-rf-layer]').evaluate_all(
            "els => els.map(e => [+e.dataset.rfChannel, +e.dataset.rfY0, +e.dataset.rfX0, +e.dataset.rfY1, +e.dataset.rfX1])"
        )
        assert sorted(boxes) == [[c, raw.y0, raw.x0, raw.y1, raw.x1] for c in range(3)]
        assert (raw.y0, raw.x0, raw.y1, raw.x1) == (4, 8, 6, 10)  # conv1's 3x3 window, padding 1
        assert page.console.errors == []
    finally:
        page.close()


def test_colour_ink_on_the_pad_lights_its_own_input_maps(laptop_context, colour_server):
    page = open_ready(laptop_context, f"{colour_server}/")
    try:
        page.get_by_role("button", name="Red ink").click()
        expect(page.get_by_role("button", name="Red ink")).to_have_attribute("aria-pressed", "true")
        draw_settled(page, [[(60, 140), (220, 140)]])
        expect(page.get_by_test_id("prediction")).not_to_have_attribute("data-label", "")
        # Read back from the maps drawn: red ink is all in R, none in G or B; the stroke runs
        # across the middle rows of the 32x32 input (the pad resized, nothing cut from a square).
        maps = maps_rgba(page.locator('.map[data-layer="input"]'))
        red, green, blue = (m[..., 0].astype(int).reshape(32, 32) for m in maps)
        assert green.max() == 0 and blue.max() == 0
        rows = np.flatnonzero(red.max(axis=1) > 128)
        assert rows.min() >= 13 and rows.max() <= 18
        assert page.console.errors == []
    finally:
        page.close()
