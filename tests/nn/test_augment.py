"""Augmentation (app/nn/augment.py) against geometry worked out by hand.

Two probes make the geometry visible. A single bright pixel shows where one point of the
picture lands. A ramp image (value = column, or value = row) shows, at every output pixel,
which source position was read: bilinear sampling reproduces a linear function exactly, so
the output of the column ramp *is* the source column of each output pixel.

``Extremes`` stands in for the random generator and always draws the top of each range, so a
test decides the exact angle, scale, shear and shift (and, for ``random``, a mirror flip).
Images are 29x29 so that the centre, the point rotations and scalings turn about, is pixel
(14, 14) exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.augment import Augmentation, bilinear_sample, distort

SIDE = 29
C = 14  # the centre pixel of a 29x29 image
STILL = dict(max_rotation_deg=0.0, scale_range=(1.0, 1.0), max_shear=0.0, max_shift=0.0, elastic_alpha=0.0)


class Extremes:
    """A stand-in generator: uniform(low, high) is always `high`; random() is always 0."""

    def uniform(self, low=0.0, high=1.0, size=None):
        return np.full(size, high, dtype=np.float64)

    def random(self, size=None):
        return np.zeros(size)


def only(**changes) -> Augmentation:
    return Augmentation(**{**STILL, **changes})


def dot(y: int, x: int) -> np.ndarray:
    image = np.zeros((1, SIDE, SIDE), np.float32)
    image[0, y, x] = 1.0
    return image


def centroid(image: np.ndarray) -> tuple[float, float]:
    mass = image.sum()
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    return float((image * ys).sum() / mass), float((image * xs).sum() / mass)


def source_positions(aug: Augmentation, rng) -> tuple[np.ndarray, np.ndarray]:
    """(source row, source column) read by every output pixel, from the two ramps."""
    rows, cols = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    out = distort(np.stack([rows, cols]), rng, aug)
    return out[0], out[1]


def test_nothing_to_do_returns_the_image_unchanged():
    images = np.random.default_rng(0).random((3, SIDE, SIDE)).astype(np.float32)
    np.testing.assert_allclose(distort(images, np.random.default_rng(1), only()), images, atol=1e-6)


def test_bilinear_sample_at_whole_and_half_pixels():
    image = np.arange(16, dtype=np.float32).reshape(1, 4, 4)  # value = 4 * row + column
    sy = np.array([[[1.0, 1.5, 2.0, -1.0]]])
    sx = np.array([[[2.0, 0.5, 3.0, 0.0]]])
    np.testing.assert_allclose(bilinear_sample(image, sy, sx)[0, 0], [6.0, 6.5, 11.0, 0.0])  # outside: 0


@pytest.mark.parametrize("angle", [90.0, 30.0])
def test_rotation_turns_the_picture_by_its_angle_in_degrees(angle):
    # A point 6 pixels above the centre stays 6 pixels from it and turns by `angle` degrees.
    out = distort(dot(C - 6, C), Extremes(), only(max_rotation_deg=angle))[0]
    cy, cx = centroid(out)
    radius = np.hypot(cy - C, cx - C)
    turned = np.degrees(np.arccos(np.clip(-(cy - C) / radius, -1, 1)))  # angle from "straight up"
    assert radius == pytest.approx(6.0, abs=0.25)
    assert turned == pytest.approx(angle, abs=2.0)


def test_rotation_by_90_degrees_moves_a_pixel_a_quarter_turn_exactly():
    # A quarter turn maps whole pixels onto whole pixels: the dot lands, whole, 6 pixels to one side.
    out = distort(dot(C - 6, C), Extremes(), only(max_rotation_deg=90.0))[0]
    (y,), (x,) = np.nonzero(out > 0.5)
    assert (y, abs(x - C)) == (C, 6)
    assert out.sum() == pytest.approx(1.0, abs=1e-5)


def test_every_source_position_follows_the_rotation_matrix():
    sy, sx = source_positions(only(max_rotation_deg=30.0), Extremes())
    py, px = np.mgrid[-8:9, -8:9]  # well inside, so no source falls outside the image
    t = np.radians(30.0)
    got_y, got_x = sy[C - 8 : C + 9, C - 8 : C + 9] - C, sx[C - 8 : C + 9, C - 8 : C + 9] - C
    # Turned by +30 or -30 degrees (the sign is a convention), never by 30 radians.
    assert np.hypot(got_y, got_x) == pytest.approx(np.hypot(py, px), abs=1e-3)
    cos_between = (got_y * py + got_x * px) / np.maximum(np.hypot(py, px) ** 2, 1)
    np.testing.assert_allclose(cos_between[np.hypot(py, px) > 0], np.cos(t), atol=1e-3)


def test_random_turns_stay_within_the_maximum_angle_in_degrees():
    aug = only(max_rotation_deg=12.0)
    cols = np.tile(np.arange(SIDE, dtype=np.float32), (SIDE, 1))
    out = distort(np.stack([cols] * 300), np.random.default_rng(5), aug)
    # At 5 rows below the centre the column read is C + 5 sin(angle) for a pure turn.
    angles = np.degrees(np.arcsin(np.clip((out[:, C + 5, C] - C) / 5, -1, 1)))
    assert np.abs(angles).max() <= 12.0 + 0.1
    assert np.abs(angles).max() >= 10.0 and angles.min() < 0 < angles.max()  # the whole range is used


def test_scaling_by_two_doubles_distances_from_the_centre():
    out = distort(dot(C, C + 3), Extremes(), only(scale_range=(2.0, 2.0)))[0]
    cy, cx = centroid(out)
    assert (cy, cx) == (pytest.approx(C, abs=1e-4), pytest.approx(C + 6, abs=1e-4))
    assert out[C, C + 6] == pytest.approx(1.0)  # reads the source pixel exactly
    assert out[C, C + 5] == pytest.approx(0.5) and out[C, C + 7] == pytest.approx(0.5)  # halfway reads


def test_shear_slides_rows_in_proportion_to_the_column():
    # Shear 0.5 with no turn: output (y, x) reads source (y + 0.5 x, x) about the centre, so
    # the pixel 4 columns right of the centre lands 2 rows above it and one 4 left, 2 below.
    sy, sx = source_positions(only(max_shear=0.5), Extremes())
    py, px = np.mgrid[-6:7, -6:7]
    window = np.s_[C - 6 : C + 7, C - 6 : C + 7]
    np.testing.assert_allclose(sx[window] - C, px, atol=1e-4)
    np.testing.assert_allclose(np.abs(sy[window] - C - py), np.abs(0.5 * px), atol=1e-4)
    out = distort(dot(C, C + 4), Extremes(), only(max_shear=0.5))[0]
    assert np.argwhere(out > 0.99).tolist() in ([[C - 2, C + 4]], [[C + 2, C + 4]])


def test_shift_moves_the_picture_by_whole_pixels():
    out = distort(dot(C, C), Extremes(), only(max_shift=2.0))[0]
    (y,), (x,) = np.nonzero(out > 0.99)
    assert (abs(y - C), abs(x - C)) == (2, 2)
    assert out.sum() == pytest.approx(1.0, abs=1e-5)


def test_mirror_flips_left_and_right_only():
    image = dot(C - 5, C + 3)
    flipped = distort(image, Extremes(), only(mirror=True))[0]  # random() < 0.5: this one flips
    assert np.argwhere(flipped > 0.99).tolist() == [[C - 5, C - 3]]
    kept = distort(image, Extremes(), only(mirror=False))[0]
    assert np.argwhere(kept > 0.99).tolist() == [[C - 5, C + 3]]


def test_elastic_displacements_are_about_a_pixel_and_smooth():
    # Simard et al.'s field: each source position moves by a smooth random displacement; the
    # defaults (alpha 20, sigma 4) make it about a pixel, and neighbours move together.
    aug = only(elastic_alpha=20.0, elastic_sigma=4.0)
    sy, sx = source_positions(aug, np.random.default_rng(2))
    inner = np.s_[4:-4, 4:-4]
    rows, cols = np.mgrid[0:SIDE, 0:SIDE]
    dy, dx = (sy - rows)[inner], (sx - cols)[inner]
    for d in (dy, dx):
        assert 0.3 <= d.std() <= 3.0
        assert np.abs(np.diff(d, axis=0)).max() < 0.5 * np.abs(d).max()


def test_bilinear_sample_half_a_pixel_past_the_edge_reads_half_the_edge():
    # Past the last row or column the picture is 0: halfway between the edge pixel (1) and outside (0) is 0.5.
    image = np.ones((1, 3, 3), np.float32)
    sy = np.array([[[2.5, 1.0, -0.5]]])
    sx = np.array([[[1.0, 2.5, 1.0]]])
    np.testing.assert_allclose(bilinear_sample(image, sy, sx)[0, 0], [0.5, 0.5, 0.5])


def test_random_shifts_and_shears_go_both_ways_within_their_maximum():
    # 300 draws of shift alone: the source column of the centre pixel is C + shift, each way up to 2.
    cols = np.tile(np.arange(SIDE, dtype=np.float32), (SIDE, 1))
    rows = cols.T.copy()
    shifted = distort(np.stack([rows, cols] * 150), np.random.default_rng(3), only(max_shift=2.0))
    for read in (shifted[0::2, C, C] - C, shifted[1::2, C, C] - C):
        assert np.abs(read).max() <= 2.0 + 1e-4
        assert read.min() < -1.5 and read.max() > 1.5
    # Shear alone: 4 columns right of the centre, the source row is C + 4 * shear, shear within +-0.15.
    sheared = distort(np.stack([rows] * 300), np.random.default_rng(4), only(max_shear=0.15))
    shear = (sheared[:, C, C + 4] - C) / 4
    assert np.abs(shear).max() <= 0.15 + 1e-4
    assert shear.min() < -0.1 and shear.max() > 0.1


def test_pictures_wider_than_tall_are_distorted_elastically_too():
    images = np.random.default_rng(5).random((2, 20, 28)).astype(np.float32)
    out = distort(images, np.random.default_rng(6), only(elastic_alpha=20.0, elastic_sigma=4.0))
    assert out.shape == (2, 20, 28) and np.isfinite(out).all()
    assert 0 < np.abs(out - images).mean() < 0.5
