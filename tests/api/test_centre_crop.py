"""Photo preparation (app/centre_crop.py): shorter side to the input size, the middle cut out,
colour kept or turned to grey levels as the model reads it."""

from __future__ import annotations

import numpy as np
from PIL import Image

from app.centre_crop import to_photo


def test_the_middle_of_a_wide_picture_is_kept_at_the_input_size():
    # 200x100: a white square in the middle 100x100, black on either side. The shorter side
    # (100) becomes 20, so the middle 20x20 is exactly the white square.
    picture = np.zeros((100, 200, 3), np.uint8)
    picture[:, 50:150] = 255
    prepared = to_photo(Image.fromarray(picture), (3, 20, 20))
    assert prepared.pixels.shape == (3, 20, 20)
    assert prepared.info["resized_size"] == [40, 20] and prepared.info["crop"] == [10, 0, 30, 20]
    assert (prepared.pixels[:, :, 2:-2] > 0.97).all()


def test_a_greyscale_model_gets_grey_levels_quantised_to_bytes():
    picture = np.full((30, 30, 3), (255, 0, 0), np.uint8)  # pure red
    prepared = to_photo(Image.fromarray(picture), (1, 10, 10))
    assert prepared.pixels.shape == (1, 10, 10)
    grey = 0.299 * 255  # ITU-R 601 luma of pure red, as Pillow converts to L
    np.testing.assert_allclose(prepared.pixels * 255, round(grey), atol=1)
    np.testing.assert_allclose(prepared.pixels * 255, np.round(prepared.pixels * 255), atol=1e-4)  # whole bytes


def test_a_very_long_thin_picture_is_prepared_without_a_huge_intermediate_image():
    picture = Image.new("RGB", (16000, 1), (0, 128, 255))
    prepared = to_photo(picture, (3, 32, 32))
    assert prepared.pixels.shape == (3, 32, 32)
    assert max(prepared.resized.shape[:2]) <= 128  # what the panel shows stays small
    np.testing.assert_allclose(prepared.pixels[:, 16, 16] * 255, [0, 128, 255], atol=2)


def test_transparent_pixels_are_laid_on_white_paper():
    picture = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    prepared = to_photo(picture, (3, 4, 4))
    np.testing.assert_array_equal(prepared.pixels, 1.0)


def test_a_drawing_for_a_model_of_another_size_is_scaled_to_its_input():
    from PIL import ImageDraw

    from app.preprocess import fit_to_input, luminance, to_mnist

    image = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(image).line([(100, 20), (100, 180)], fill=0, width=20)  # a dark "1" on paper
    pre = to_mnist(luminance(image))
    at_28 = pre.pixels.copy()
    fitted = fit_to_input(pre, (3, 56, 56))
    assert fitted.pixels.shape == (3, 56, 56)
    np.testing.assert_array_equal(fitted.pixels[0], fitted.pixels[2])  # white ink in every channel
    # Twice the size: each 28x28 pixel becomes a 2x2 block; their means agree away from the edges.
    blocks = fitted.pixels[0].reshape(28, 2, 28, 2).mean(axis=(1, 3))
    assert np.abs(blocks - at_28).max() < 0.2
    assert [name for name, _, _ in fitted.steps()][-2:] == ["centred", "resized"]


def test_a_phone_photo_turned_by_its_exif_orientation_is_prepared_upright():
    """A phone stores a portrait photo lying on its side with EXIF orientation 6 (turn 90
    degrees clockwise to display). Upright it is 32 wide and 64 tall, red above blue; the
    middle 8x8 of it at 8 px wide is red in its top half and blue in its bottom half."""
    import io

    upright = Image.new("RGB", (32, 64), (255, 0, 0))
    upright.paste((0, 0, 255), (0, 32, 32, 64))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, "PNG", exif=exif.tobytes())
    prepared = to_photo(Image.open(io.BytesIO(buffer.getvalue())), (3, 8, 8))
    assert prepared.info["original_size"] == [32, 64]
    red, blue = prepared.pixels[:, :3], prepared.pixels[:, 5:]  # rows, away from the blurred seam
    assert (red[0] > 0.9).all() and (red[2] < 0.1).all()
    assert (blue[2] > 0.9).all() and (blue[0] < 0.1).all()


def test_sixteen_bit_grey_levels_are_stretched_by_their_brightest():
    """A 16-bit picture (a scanner's, a 12-bit camera's) may use only part of the 0..65535
    range: its brightest value is taken as white, so the picture is not prepared nearly black."""
    values = np.zeros((16, 16), np.uint16)
    values[:, 8:] = 4000  # a 12-bit picture: the right half at its brightest
    prepared = to_photo(Image.fromarray(values), (1, 16, 16))
    np.testing.assert_allclose(prepared.pixels[0, :, 10:], 1.0)
    np.testing.assert_allclose(prepared.pixels[0, :, :6], 0.0)
