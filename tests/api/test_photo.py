"""Photo preparation (app/photo.py): shorter side to the input size, the middle cut out,
colour kept or turned to grey levels as the model reads it."""

from __future__ import annotations

import numpy as np
from PIL import Image

from app.photo import to_photo


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
