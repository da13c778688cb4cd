"""Grey levels of decoded pictures (app.luminance): any pixel values give finite grey levels in
0..1, and reading a picture in strips, reduced as it is read, gives what a plain full-size
computation gives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.luminance import STRIP_ROWS, luminance
from app.preprocess import ImageError


def float_image(values) -> Image.Image:
    return Image.fromarray(np.asarray(values, np.float32), "F")


def int_image(values) -> Image.Image:
    return Image.fromarray(np.asarray(values, np.int32), "I")


# -- 32-bit pixels: no overflow, no NaN ----------------------------------------------------
def test_float_pixels_spanning_the_whole_float32_range_are_stretched_without_overflow():
    grey = luminance(float_image([[-3e38, 0.0, 3e38], [-1.5e38, 1.5e38, 0.0]]))
    assert np.isfinite(grey).all()
    # Stretched from -3e38 (black) to 3e38 (white), worked by hand: x -> (x + 3e38) / 6e38.
    np.testing.assert_allclose(grey, [[0.0, 0.5, 1.0], [0.25, 0.75, 0.5]], atol=1e-6)


def test_float_pixels_at_the_float32_limits_with_nan_and_infinities_stay_finite():
    top = np.finfo(np.float32).max
    grey = luminance(float_image([[-top, top, np.nan], [np.inf, -np.inf, 0.0]]))
    assert np.isfinite(grey).all()
    # NaN and the infinities count as the lowest finite value, as black.
    np.testing.assert_allclose(grey, [[0.0, 1.0, 0.0], [0.0, 0.0, 0.5]], atol=1e-6)


def test_float_pixels_already_in_0_to_1_are_kept_as_they_are():
    values = [[0.0, 0.25], [0.5, 1.0]]
    np.testing.assert_array_equal(luminance(float_image(values)), np.asarray(values, np.float32))


def test_float_picture_with_no_finite_value_is_422():
    with pytest.raises(ImageError) as caught:
        luminance(float_image([[np.nan, np.inf], [-np.inf, np.nan]]))
    assert caught.value.status == 422
    assert "no usable pixel values" in str(caught.value)


def test_32_bit_integer_pixels_at_their_limits_are_stretched():
    low, high = np.iinfo(np.int32).min, np.iinfo(np.int32).max
    grey = luminance(int_image([[low, 0, high]]))
    assert np.isfinite(grey).all()
    np.testing.assert_allclose(grey, [[0.0, -low / (high - low), 1.0]], atol=1e-6)


@pytest.mark.parametrize(("values", "full_scale"), [([[0, 51, 255]], 255), ([[0, 257, 65535]], 65535)])
def test_integer_pixels_within_8_or_16_bits_keep_their_scale(values, full_scale):
    np.testing.assert_allclose(luminance(int_image(values)), np.asarray(values) / full_scale, atol=1e-7)


# -- strips and reduction ------------------------------------------------------------------
def box_reduced(values: np.ndarray, side: int) -> np.ndarray:
    """The whole array reduced at once with Pillow's box filter to a longer side of `side`."""
    h, w = values.shape
    factor = side / max(h, w)
    size = (round(w * factor), round(h * factor))
    return np.asarray(Image.fromarray(values.astype(np.float32), "F").resize(size, Image.Resampling.BOX))


def plain_grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB").convert("L"), np.float64) / 255


def canvas_rgba(width: int, height: int) -> Image.Image:
    """Dark ink whose opacity varies, on fully transparent (0, 0, 0, 0) pixels, as a canvas gives."""
    rng = np.random.default_rng(1)
    rgba = np.zeros((height, width, 4), np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    stroke = np.abs(yy - xx * height / width) < height / 12
    rgba[stroke, :3] = rng.integers(0, 60, (int(stroke.sum()), 3))
    rgba[stroke, 3] = rng.integers(1, 256, int(stroke.sum()))
    return Image.fromarray(rgba, "RGBA")


def test_transparent_canvas_reduced_in_strips_equals_compositing_then_reducing_the_whole():
    image = canvas_rgba(700, STRIP_ROWS * 2 + 19)  # strips of unequal height
    grey, alpha = plain_grey(image), np.asarray(image.getchannel("A"), np.float64) / 255
    # Dark ink on hidden pixels that carry no colour: composited onto white (worked by the rule).
    full = grey * alpha + 1.0 * (1 - alpha)
    np.testing.assert_allclose(luminance(image), full, atol=1e-6)
    np.testing.assert_allclose(luminance(image, 320), box_reduced(full, 320), atol=2e-5)


def test_palette_picture_with_a_transparent_paper_colour_is_composited_on_that_colour():
    paper, ink = (240, 240, 240), (10, 10, 10)
    image = Image.new("P", (300, STRIP_ROWS + 100), 0)
    image.putpalette([*paper, *ink])
    image.paste(1, (100, 50, 200, 300))
    image.info["transparency"] = 0  # the paper entry is transparent
    expected = np.full((STRIP_ROWS + 100, 300), 240 / 255)
    expected[50:300, 100:200] = 10 / 255
    np.testing.assert_allclose(luminance(image), expected, atol=1e-6)


def test_rgb_photo_reduced_in_strips_equals_reducing_the_whole_grey_picture():
    rng = np.random.default_rng(2)
    image = Image.fromarray(rng.integers(0, 256, (STRIP_ROWS * 3 + 5, 1000, 3), dtype=np.uint8), "RGB")
    np.testing.assert_allclose(luminance(image, 320), box_reduced(plain_grey(image), 320), atol=2e-5)


def test_exif_orientation_turns_the_reduced_picture_upright():
    stored = canvas_rgba(600, 400).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation 6: rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    stored.save(buffer, "PNG", exif=exif.tobytes())
    with Image.open(buffer) as reopened:
        reopened.load()
        grey = luminance(reopened, 320)
    upright = np.rot90(plain_grey(stored), k=-1)  # clockwise
    assert grey.shape == (320, 213)
    np.testing.assert_allclose(grey, box_reduced(upright, 320), atol=2e-5)
