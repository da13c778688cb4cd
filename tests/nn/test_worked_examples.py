"""Small examples worked out by hand; the expected arrays are written out literally."""

from __future__ import annotations

import numpy as np

from app.nn import functions as fn
from app.nn.conv import conv2d_backward, conv2d_forward
from app.nn.pool import avgpool_forward, maxpool_backward, maxpool_forward

# A 7x7 binary "X": both diagonals drawn in ink.
X_IMAGE = np.array(
    [
        [1, 0, 0, 0, 0, 0, 1],
        [0, 1, 0, 0, 0, 1, 0],
        [0, 0, 1, 0, 1, 0, 0],
        [0, 0, 0, 1, 0, 0, 0],
        [0, 0, 1, 0, 1, 0, 0],
        [0, 1, 0, 0, 0, 1, 0],
        [1, 0, 0, 0, 0, 0, 1],
    ],
    dtype=np.float64,
)

DIAGONAL = np.eye(3)  # fires on a line from top left to bottom right
ANTI_DIAGONAL = np.fliplr(np.eye(3))  # fires on a line from top right to bottom left


def conv_one(image, kernel, bias=0.0, stride=1, pad=0):
    out, _ = conv2d_forward(image[None, None], kernel[None, None], np.array([bias]), stride, pad)
    return out[0, 0]


def test_diagonal_detector_on_a_7x7_x_gives_the_hand_computed_5x5_map():
    # out[y, x] = img[y, x] + img[y+1, x+1] + img[y+2, x+2]: 3 along the main diagonal,
    # 1 where the window catches one pixel of the other stroke.
    expected = np.array(
        [
            [3, 0, 1, 0, 1],
            [0, 3, 0, 1, 0],
            [1, 0, 3, 0, 1],
            [0, 1, 0, 3, 0],
            [1, 0, 1, 0, 3],
        ]
    )
    np.testing.assert_array_equal(conv_one(X_IMAGE, DIAGONAL), expected)


def test_anti_diagonal_detector_on_the_same_x_gives_the_mirrored_map():
    expected = np.array(
        [
            [1, 0, 1, 0, 3],
            [0, 1, 0, 3, 0],
            [1, 0, 3, 0, 1],
            [0, 3, 0, 1, 0],
            [3, 0, 1, 0, 1],
        ]
    )
    np.testing.assert_array_equal(conv_one(X_IMAGE, ANTI_DIAGONAL), expected)


def test_detector_with_bias_and_relu_fires_only_on_full_strokes():
    z = conv_one(X_IMAGE, DIAGONAL, bias=-2.0)
    np.testing.assert_array_equal(fn.activation_forward(z, "relu"), np.eye(5))


MAP_4X4 = np.array(
    [
        [1, 3, 2, 1],
        [4, 2, 0, 1],
        [5, 6, 1, 5],
        [7, 8, 3, 4],
    ],
    dtype=np.float64,
)


def test_maxpool_2x2_stride_2_of_a_4x4_map_by_hand():
    out, cache = maxpool_forward(MAP_4X4[None, None], 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[4, 2], [8, 5]])
    argmax = cache.argmax if hasattr(cache, "argmax") else cache[1]
    # Winners: 4 at (1, 0) -> 1*2+0 = 2; 2 at (0, 0) -> 0; 8 at (1, 1) -> 3; 5 at (0, 1) -> 1.
    np.testing.assert_array_equal(argmax[0, 0], [[2, 0], [3, 1]])
    dx = maxpool_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    np.testing.assert_array_equal(
        dx[0, 0],
        [
            [0, 0, 2, 0],
            [1, 0, 0, 0],
            [0, 0, 0, 4],
            [0, 3, 0, 0],
        ],
    )


def test_avgpool_2x2_stride_2_of_a_4x4_map_by_hand():
    out, _ = avgpool_forward(MAP_4X4[None, None], 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[2.5, 1.0], [6.5, 3.25]])


def test_padded_strided_conv_of_ones_counts_the_pixels_each_window_covers():
    # W=7, F=3, P=1, S=2: (7 - 3 + 2) / 2 + 1 = 4. Windows start at padded rows 0, 2, 4, 6, so
    # they cover 2, 3, 3, 2 real rows (the first and last reach into the padding).
    out = conv_one(np.ones((7, 7)), np.ones((3, 3)), stride=2, pad=1)
    np.testing.assert_array_equal(
        out,
        [
            [4, 6, 6, 4],
            [6, 9, 9, 6],
            [6, 9, 9, 6],
            [4, 6, 6, 4],
        ],
    )


def test_padded_strided_conv_of_a_numbered_5x5_by_hand():
    # Input 1..25 row by row; a 3x3 box sum with P=1, S=2 gives (5 - 3 + 2) / 2 + 1 = 3 per side.
    # out[0, 0] = 1+2+6+7, out[1, 1] = 7+8+9+12+13+14+17+18+19, out[2, 2] = 19+20+24+25.
    image = np.arange(1, 26, dtype=np.float64).reshape(5, 5)
    out = conv_one(image, np.ones((3, 3)), bias=0.5, stride=2, pad=1)
    np.testing.assert_array_equal(
        out,
        np.array(
            [
                [16, 33, 28],
                [69, 117, 87],
                [76, 123, 88],
            ]
        )
        + 0.5,
    )


def test_conv_backward_of_a_single_output_spreads_the_kernel_over_its_window():
    # d out[0, 1] / d input = the kernel over its window: padded columns 2..4 = real columns 1..3,
    # padded rows 0..2 = real rows -1..1 (P=1, S=2).
    x = np.zeros((1, 1, 5, 5))
    kernel = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3)
    out, cache = conv2d_forward(x, kernel, np.zeros(1), 2, 1)
    dout = np.zeros_like(out)
    dout[0, 0, 0, 1] = 1
    dx, _, db = conv2d_backward(dout, cache)
    np.testing.assert_array_equal(
        dx[0, 0],
        [
            [0, 4, 5, 6, 0],  # kernel row 0 falls on the padding row above
            [0, 7, 8, 9, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
        ],
    )
    np.testing.assert_array_equal(db, [1])


def test_dense_layer_by_hand():
    out, _ = fn.dense_forward(
        np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]), np.array([0.0, 1.0, 2.0])
    )
    np.testing.assert_array_equal(out, [[5, 3, 1]])
