"""Where an uploaded shape lands in the 28x28 input, through the API, for each model's recipe.

Solid rectangles whose sides scale to whole pixels come out of the resize as solid blocks
(a constant stays constant), so the recipe's answer is known exactly:
- MNIST: the longer side becomes 20 pixels and the centre of mass goes to (14.0, 14.0), as
  near as a whole-pixel shift allows (within half a pixel; exactly, when the block's own
  centre falls on a pixel);
- Fashion-MNIST: the longer side becomes 28 pixels and the block is centred, equal margins
  on both sides (one more on one side when the spare room is odd).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from .helpers import image_bytes, input_of, upload


def paper_with(*rectangles, size=(320, 320)) -> bytes:
    """Dark ink rectangles (x0, y0, x1, y1), ends exclusive, on light paper, as PNG. At most
    320 pixels a side: larger pictures are first reduced, which would soften the edges."""
    image = Image.new("L", size, 235)
    pen = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in rectangles:
        pen.rectangle((x0, y0, x1 - 1, y1 - 1), fill=15)
    return image_bytes(image)


RECIPES = {"mnist": (20, "mass"), "fashion": (28, "box")}


def prepared(client, raw: bytes, model: str) -> np.ndarray:
    response = upload(client, raw, model=model)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == model
    assert (body["preprocessing"]["box"], body["preprocessing"]["centre"]) == RECIPES[model]
    return input_of(response.json()).astype(np.float64) / 255


def centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    mass = pixels.sum()
    return (
        float((pixels.sum(axis=1) * np.arange(28)).sum() / mass),
        float((pixels.sum(axis=0) * np.arange(28)).sum() / mass),
    )


def ink_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


# -- Fashion-MNIST: longest side 28, centred -------------------------------------------------
def test_fashion_upload_of_a_wide_block_fills_the_width_and_sits_in_the_middle(client):
    # 280x140 scales by 28/280 to 28x14: all 28 columns, rows 7..20 (7 empty rows above and below).
    pixels = prepared(client, paper_with((20, 90, 300, 230)), "fashion")
    expected = np.zeros((28, 28))
    expected[7:21, :] = 1.0
    np.testing.assert_array_equal(pixels, expected)


def test_fashion_upload_of_a_tall_block_fills_the_height_and_sits_in_the_middle(client):
    # 120x280 scales by 28/280 to 12x28: all 28 rows, columns 8..19 (8 empty columns each side).
    pixels = prepared(client, paper_with((100, 20, 220, 300)), "fashion")
    expected = np.zeros((28, 28))
    expected[:, 8:20] = 1.0
    np.testing.assert_array_equal(pixels, expected)


def test_fashion_upload_centres_the_box_not_the_mass(client):
    # A T-shirt: wide sleeves on top of a narrow body, 280x200 -> 28x20, so rows 4..23. Its mass
    # sits high; centring the mass (the digit recipe) would push the shirt down.
    shirt = paper_with((20, 60, 300, 120), (100, 120, 220, 260))
    pixels = prepared(client, shirt, "fashion")
    assert ink_box(pixels) == (4, 23, 0, 27)
    assert centre_of_mass(pixels)[0] < 13.0


def test_the_same_block_is_prepared_differently_for_digits_and_clothes(client):
    raw = paper_with((20, 90, 300, 230))
    assert ink_box(prepared(client, raw, "fashion")) == (7, 20, 0, 27)
    y0, y1, x0, x1 = ink_box(prepared(client, raw, "mnist"))
    assert (y1 - y0 + 1, x1 - x0 + 1) == (10, 20)  # the digit box: 20 pixels, not 28
    # Its centre (4.5, 9.5 in the block) can only come within half a pixel of (14, 14).
    assert abs((y0 + y1) / 2 - 14.0) == 0.5 and abs((x0 + x1) / 2 - 14.0) == 0.5


# -- MNIST: longest side 20, centre of mass at (14, 14) ------------------------------------------
def test_mnist_upload_puts_a_wide_blocks_mass_on_row_14_exactly(client):
    # 200x110 -> 20x11: its own centre of mass is at row 5.0, so a whole-pixel shift puts it on
    # row 14.0 exactly (rows 9..19); its column centre (9.5) can only get within half a pixel.
    pixels = prepared(client, paper_with((60, 100, 260, 210)), "mnist")
    rows_centre, cols_centre = centre_of_mass(pixels)
    assert rows_centre == pytest.approx(14.0, abs=1e-9)
    assert abs(cols_centre - 14.0) == pytest.approx(0.5, abs=1e-9)
    assert ink_box(pixels)[:2] == (9, 19)


def test_mnist_upload_puts_a_tall_blocks_mass_on_column_14_exactly(client):
    # 110x200 -> 11x20: the same, turned: column 14.0 exactly (columns 9..19).
    pixels = prepared(client, paper_with((100, 60, 210, 260)), "mnist")
    rows_centre, cols_centre = centre_of_mass(pixels)
    assert cols_centre == pytest.approx(14.0, abs=1e-9)
    assert abs(rows_centre - 14.0) == pytest.approx(0.5, abs=1e-9)
    assert ink_box(pixels)[2:] == (9, 19)


@pytest.mark.parametrize(
    "shape",
    [
        ((100, 100, 300, 140), (100, 140, 140, 300)),  # an L: mass up and to the left
        ((100, 100, 300, 140), (180, 140, 220, 300)),  # a T: mass high
        ((100, 260, 300, 300), (260, 100, 300, 260)),  # a mirrored L: mass down and to the right
    ],
    ids=["L", "T", "J"],
)
def test_mnist_upload_puts_any_shapes_mass_within_half_a_pixel_of_the_centre(client, shape):
    pixels = prepared(client, paper_with(*shape), "mnist")
    rows_centre, cols_centre = centre_of_mass(pixels)
    # A whole-pixel shift leaves up to half a pixel; 8-bit rounding and the resize a little more.
    assert abs(rows_centre - 14.0) <= 0.55 and abs(cols_centre - 14.0) <= 0.55
    y0, y1, x0, x1 = ink_box(pixels)
    assert max(y1 - y0, x1 - x0) + 1 in (20, 21)  # the longer side fits the 20-pixel box (+ resize ringing)
