"""The Transform lab's input: shifts, rotations and stroke thickness against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app.labs.transform import Transform, apply_many, apply_transform, thicken
from testdata import mnist_sample


@pytest.fixture(scope="module")
def digit():
    images, _ = mnist_sample()
    return images[0][None].astype(np.float32) / 255  # (1, 28, 28)


@pytest.mark.parametrize("dx,dy", [(3, 0), (0, -4), (-2, 5), (8, 8)])
def test_shift_moves_the_digit_with_zeros_coming_in(digit, dx, dy):
    expected = np.zeros_like(digit)
    h, w = digit.shape[1:]
    expected[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        digit[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    np.testing.assert_array_equal(apply_transform(digit, Transform(dx=dx, dy=dy)), expected)


def test_half_pixel_shift_is_the_mean_of_neighbours(digit):
    moved = apply_transform(digit, Transform(dx=0.5))
    expected = np.round((digit + np.pad(digit, ((0, 0), (0, 0), (1, 0)))[:, :, :-1]) / 2 * 255) / 255
    np.testing.assert_allclose(moved, expected, atol=1 / 255 + 1e-6)


def test_rotation_is_counter_clockwise_as_in_pillow(digit):
    bytes_ = np.round(digit[0] * 255).astype(np.uint8)
    for degrees in (90, -30, 45):
        ours = apply_transform(digit, Transform(rotate=degrees))[0] * 255
        pillow = np.asarray(Image.fromarray(bytes_).rotate(degrees, resample=Image.BILINEAR), np.float32)
        # Pillow rounds its coordinates in fixed point: a grey level or two apart, never a stroke.
        assert np.abs(ours - pillow).mean() < 2.0, degrees
        assert np.corrcoef(ours.ravel(), pillow.ravel())[0, 1] > 0.99


def test_scale_half_shrinks_about_the_centre(digit):
    small = apply_transform(digit, Transform(scale=0.5))[0]
    ys, xs = np.nonzero(small > 0.3)
    ys0, xs0 = np.nonzero(digit[0] > 0.3)
    assert np.ptp(ys) == pytest.approx(np.ptp(ys0) / 2, abs=2)
    assert np.mean(ys) == pytest.approx(13.5 + (np.mean(ys0) - 13.5) / 2, abs=1)


def test_thickness_is_grey_dilation_and_erosion(digit):
    x = digit[0]
    h, w = x.shape
    grown = np.zeros_like(x)
    thinned = np.zeros_like(x)
    for y in range(h):
        for x_ in range(w):
            window = [x[yy, xx] for yy in range(y - 1, y + 2) for xx in range(x_ - 1, x_ + 2) if 0 <= yy < h and 0 <= xx < w]
            grown[y, x_] = max(window + [0.0] * (9 - len(window)))
            thinned[y, x_] = min(window)
    np.testing.assert_array_equal(thicken(digit, 1)[0], grown)
    np.testing.assert_array_equal(thicken(digit, -1)[0], thinned)


def test_a_batch_equals_one_at_a_time(digit):
    transforms = [Transform(dx=1.5), Transform(rotate=20, thickness=1), Transform(scale=1.3, dy=-2)]
    batch = apply_many(digit, transforms)
    for t, one in zip(transforms, batch):
        np.testing.assert_array_equal(one, apply_transform(digit, t))
    np.testing.assert_allclose(np.round(batch * 255), batch * 255, atol=1e-3)  # 8-bit steps


def test_erosion_does_not_eat_ink_from_outside_the_frame():
    """Ink touching the frame is thinned only from inside: outside counts as the ink itself, so a
    full frame stays full and a bar along the top edge keeps its top row (a loop over the inside)."""
    full = np.ones((1, 6, 6), np.float32)
    np.testing.assert_array_equal(thicken(full, -1), full)
    bar = np.zeros((1, 8, 8), np.float32)
    bar[0, :3, 2:6] = 1.0  # three rows of ink along the top edge, four columns wide
    expected = np.zeros((8, 8), np.float32)
    for y in range(8):
        for x in range(8):
            expected[y, x] = min(bar[0, yy, xx] for yy in range(y - 1, y + 2) for xx in range(x - 1, x + 2)
                                 if 0 <= yy < 8 and 0 <= xx < 8)
    np.testing.assert_array_equal(thicken(bar, -1)[0], expected)
    assert expected[0, 3] == 1.0  # the top row survives where the bar is wide enough
