"""Properties of MNIST-style preprocessing (app.preprocess), checked with hypothesis on
official test digits placed in larger canvases.

How close is "nearly the same"? We measure the mean absolute difference of two 28x28
inputs (0..1 per pixel), allowing a shift of one pixel either way: the centre of mass is
rounded to whole pixels, so a resampled digit can land one pixel over. Measured on test
digits, the same digit drawn at two sizes from 40 to 300 pixels differs by at most ~0.05
(median 0.012), while two different test digits differ by 0.14 on average (0.08 at the 5th
percentile), and a digit three pixels off (two beyond the allowance) by 0.12.
MAX_DIFFERENCE = 0.07 sits between: a resampling wobble passes, a missed crop, scale or
re-centring does not.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.preprocess import ANALYSIS_SIDE, preprocess_bytes, to_mnist

from .helpers import png

MAX_DIFFERENCE = 0.07
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def digits(mnist_test):
    images, _ = mnist_test
    return images[:20]


def draw(digit: np.ndarray, size: int, height: int, width: int, top: float, left: float) -> np.ndarray:
    """The digit resized to size x size (white ink on black, 0..1) on a height x width canvas,
    its top-left corner at fractions top, left of the free room."""
    ink = np.asarray(Image.fromarray(digit, "L").resize((size, size), Image.Resampling.BILINEAR), np.float32) / 255
    canvas = np.zeros((height, width), np.float32)
    y, x = round(top * (height - size)), round(left * (width - size))
    canvas[y : y + size, x : x + size] = ink
    return canvas


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference, allowing either input to sit one pixel over."""
    return min(float(np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).mean()) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


fractions = st.floats(0, 1)


@PROPERTY
@given(which=st.integers(0, 19), size=st.integers(28, 160), data=st.data())
def test_moving_a_digit_within_its_canvas_gives_the_same_input(digits, which, size, data):
    height = data.draw(st.integers(size, ANALYSIS_SIDE), label="height")
    width = data.draw(st.integers(size, ANALYSIS_SIDE), label="width")
    here = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
    there = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
    # Up to ANALYSIS_SIDE nothing is resampled before the crop, so the crops are pixel for pixel equal.
    np.testing.assert_array_equal(to_mnist(here).pixels, to_mnist(there).pixels)


@PROPERTY
@given(which=st.integers(0, 19), side=st.integers(ANALYSIS_SIDE + 1, 1000), data=st.data())
def test_moving_a_digit_within_a_large_photo_gives_nearly_the_same_input(digits, which, side, data):
    # Larger pictures are reduced before the ink is found, and where the digit falls on the
    # reduction's pixel grid changes the result a little. The digit keeps a sixth of the picture.
    size = data.draw(st.integers(side // 6, side // 2), label="size")
    other = data.draw(st.integers(size, side), label="other side")
    height, width = (side, other) if data.draw(st.booleans(), label="portrait") else (other, side)
    here = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
    there = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
    assert difference(to_mnist(here).pixels, to_mnist(there).pixels) <= MAX_DIFFERENCE


@PROPERTY
@given(which=st.integers(0, 19), sizes=st.tuples(st.integers(40, 300), st.integers(40, 300)), data=st.data())
def test_rescaling_a_digit_gives_nearly_the_same_input(digits, which, sizes, data):
    inputs = []
    for size in sizes:
        height = data.draw(st.integers(size, ANALYSIS_SIDE), label="height")
        width = data.draw(st.integers(size, ANALYSIS_SIDE), label="width")
        canvas = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
        inputs.append(to_mnist(canvas).pixels)
    assert difference(*inputs) <= MAX_DIFFERENCE


def test_the_difference_measure_tells_different_digits_apart(digits):
    # The threshold means something only if different digits land above it (on average
    # twice above), and so does the same digit three pixels off centre (two beyond the allowance).
    inputs = [to_mnist(draw(d, 56, 100, 100, 0.5, 0.5)).pixels for d in digits]
    pairs = [difference(inputs[i], inputs[i + 1]) for i in range(len(inputs) - 1)]
    assert np.mean(pairs) > 2 * MAX_DIFFERENCE
    assert np.mean([difference(np.roll(x, 3, axis=1), x) for x in inputs]) > MAX_DIFFERENCE


@PROPERTY
@given(
    which=st.integers(0, 19),
    size=st.integers(28, 200),
    paper=st.integers(190, 255),
    pen=st.integers(0, 60),
    data=st.data(),
)
def test_black_on_white_and_its_inverse_give_the_same_input(digits, which, size, paper, pen, data):
    height = data.draw(st.integers(size, 400), label="height")
    width = data.draw(st.integers(size, 400), label="width")
    ink = draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions))
    on_paper = np.round(paper - (paper - pen) * ink).astype(np.uint8)  # dark ink on light paper
    inverse = 255 - on_paper  # light ink on dark
    a = preprocess_bytes(png(on_paper), 16_000_000)
    b = preprocess_bytes(png(inverse), 16_000_000)
    assert a.info["inverted"] is True and b.info["inverted"] is False
    # 1 - (1 - g) is not always g in float32, so a value that lands on a rounding tie may go
    # either way: allow one grey level, in a few pixels.
    assert np.abs(a.pixels - b.pixels).max() <= 1 / 255 + 1e-6
    assert np.mean(a.pixels != b.pixels) < 0.05  # ties at x.5 when rounding to 8 bits


@PROPERTY
@given(which=st.integers(0, 19), size=st.integers(28, 200), data=st.data())
def test_preprocessed_input_is_mnist_shaped(digits, which, size, data):
    height = data.draw(st.integers(size, 400), label="height")
    width = data.draw(st.integers(size, 400), label="width")
    result = to_mnist(draw(digits[which], size, height, width, data.draw(fractions), data.draw(fractions)))
    pixels = result.pixels
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    np.testing.assert_array_equal(np.round(pixels * 255) / 255, pixels)  # 8-bit, as MNIST
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    # The ink's box fits 20x20 (Lanczos ringing may light one more pixel on a side)...
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) <= 22
    # ...and its centre of mass is near the middle, as in MNIST (rounded to whole pixels,
    # unless the box would leave the 28x28 field).
    mass = pixels.sum()
    cy = (pixels.sum(axis=1) * np.arange(28)).sum() / mass
    cx = (pixels.sum(axis=0) * np.arange(28)).sum() / mass
    assert abs(cy - 14) <= 2.5 and abs(cx - 14) <= 2.5
