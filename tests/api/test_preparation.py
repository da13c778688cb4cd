"""Uploads are prepared the way each model's training images were made: MNIST digits fit a
20x20 box centred by centre of mass, Fashion-MNIST items fill 28 pixels centred as a box."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from app.nn.datasets import Preparation
from app.preprocess import luminance, to_mnist


def _bar_photo(width, height, bar):
    """A dark bar (x0, y0, x1, y1) on light paper, as a phone photo of a drawing would be."""
    image = Image.new("L", (width, height), 230)
    ImageDraw.Draw(image).rectangle(bar, fill=20)
    return luminance(image)


def _ink_box(pixels):
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_box_preparation_makes_the_longer_side_28_and_centres_the_box():
    # A 300x100 bar: scaled by 28/300 it becomes 28 wide and about 9 high.
    grey = _bar_photo(600, 400, (100, 50, 399, 149))
    pixels = to_mnist(grey, Preparation(box=28, centre="box")).pixels
    y0, y1, x0, x1 = _ink_box(pixels)
    assert (x0, x1) == (0, 27)
    assert abs((y0 + y1) / 2 - 13.5) <= 1  # the box's middle at the canvas's middle
    assert 8 <= y1 - y0 + 1 <= 11


def test_mass_preparation_fits_20_pixels_and_centres_the_mass():
    # A bar whose right end is heavy: the centre of mass, not the box, lands in the middle.
    image = Image.new("L", (400, 400), 230)
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 190, 349, 209), fill=20)
    draw.rectangle((300, 100, 349, 299), fill=20)
    pixels = to_mnist(luminance(image), Preparation(box=20, centre="mass")).pixels
    y0, y1, x0, x1 = _ink_box(pixels)
    assert x1 - x0 + 1 <= 21 and y1 - y0 + 1 <= 21
    mass = pixels.sum()
    cx = (pixels.sum(axis=0) * np.arange(28)).sum() / mass
    assert abs(cx - 14) <= 0.75
    assert (x0 + x1) / 2 < 13  # the box sits left of the middle because its mass is on the right
