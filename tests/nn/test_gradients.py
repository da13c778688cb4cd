"""Numerical gradient checks (central differences, float64) of every layer kind and of the loss.

Each check takes the scalar L = sum(layer_output * dout) for a random dout, so the
backward pass given dout must return exactly dL/dx, dL/dw, dL/db.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn import functions as fn
from app.nn.conv import conv2d_backward, conv2d_forward, conv2d_input_gradient
from app.nn.pool import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward

from . import reference as ref
from .numeric import assert_gradients_close, numerical_gradient


@pytest.fixture
def rng():
    return np.random.default_rng(20)


@pytest.mark.parametrize("stride, pad", [(1, 0), (1, 1), (2, 1), (2, 2)])
def test_conv_backward_matches_numerical_gradient(rng, stride, pad):
    x = rng.standard_normal((2, 2, 6, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    out, cache = conv2d_forward(x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)

    def loss():
        return np.sum(conv2d_forward(x, w, b, stride, pad)[0] * dout)

    assert_gradients_close(dx, numerical_gradient(loss, x))
    assert_gradients_close(dw, numerical_gradient(loss, w))
    assert_gradients_close(db, numerical_gradient(loss, b))


@pytest.mark.parametrize("stride, pad, kernel", [(1, 0, 3), (1, 1, 3), (1, 2, 5), (1, 4, 3), (2, 1, 3)])
def test_conv_input_gradient_alone_matches_the_naive_twin(rng, stride, pad, kernel):
    """The input gradient taken as a convolution of its own (stride 1, padding below the
    kernel), or by col2im otherwise, against the four-loop twin."""
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, kernel, kernel))
    out, cache = conv2d_forward(x, w, rng.standard_normal(4), stride, pad)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(conv2d_input_gradient(dout, cache), ref.conv2d_grads(dout, x, w, stride, pad)[0],
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 2), (2, 1)])
def test_maxpool_backward_matches_numerical_gradient(rng, kernel, stride):
    x = rng.standard_normal((2, 2, 7, 6))  # continuous values: no ties, eps cannot change a winner
    out, cache = maxpool_forward(x, kernel, stride)
    dout = rng.standard_normal(out.shape)
    numeric = numerical_gradient(lambda: np.sum(maxpool_forward(x, kernel, stride)[0] * dout), x)
    assert_gradients_close(maxpool_backward(dout, cache), numeric)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 2), (2, 1)])
def test_avgpool_backward_matches_numerical_gradient(rng, kernel, stride):
    x = rng.standard_normal((2, 2, 7, 6))
    out, cache = avgpool_forward(x, kernel, stride)
    dout = rng.standard_normal(out.shape)
    numeric = numerical_gradient(lambda: np.sum(avgpool_forward(x, kernel, stride)[0] * dout), x)
    assert_gradients_close(avgpool_backward(dout, cache), numeric)


def test_dense_backward_matches_numerical_gradient(rng):
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    out, cache = fn.dense_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fn.dense_backward(dout, cache)

    def loss():
        return np.sum(fn.dense_forward(x, w, b)[0] * dout)

    assert_gradients_close(dx, numerical_gradient(loss, x))
    assert_gradients_close(dw, numerical_gradient(loss, w))
    assert_gradients_close(db, numerical_gradient(loss, b))


@pytest.mark.parametrize("kind", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_activation_backward_matches_numerical_gradient(rng, kind):
    # Magnitudes in 0.1..3 on both signs: both sides of the relu kink, never at it.
    z = rng.uniform(0.1, 3, (4, 6)) * rng.choice([-1.0, 1.0], (4, 6))
    a = fn.activation_forward(z, kind)
    dout = rng.standard_normal(z.shape)
    numeric = numerical_gradient(lambda: np.sum(fn.activation_forward(z, kind) * dout), z)
    assert_gradients_close(fn.activation_backward(dout, z, a, kind), numeric)


@pytest.mark.parametrize(
    "kind, z, expected",
    [
        ("relu", [-2.0, 0.5], [0.0, 0.5]),
        ("leaky_relu", [-2.0, 0.5], [-0.02, 0.5]),
        ("tanh", [0.0, np.log(2)], [0.0, 0.6]),  # tanh(ln 2) = (4 - 1) / (4 + 1)
        ("sigmoid", [0.0, np.log(3)], [0.5, 0.75]),  # 1 / (1 + 1/3)
    ],
)
def test_activation_values_by_hand(kind, z, expected):
    # rtol 1e-7: the leaky slope is a float32 constant, 0.01 to float32 precision.
    np.testing.assert_allclose(fn.activation_forward(np.array(z), kind), expected, rtol=1e-7, atol=1e-15)


def test_sigmoid_does_not_overflow_for_large_inputs():
    with np.errstate(over="raise"):
        out = fn.activation_forward(np.array([-1000.0, 1000.0], dtype=np.float32), "sigmoid")
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_softmax_backward_matches_numerical_gradient(rng):
    z = rng.standard_normal((3, 5)) * 2
    p = fn.softmax_forward(z)
    dout = rng.standard_normal(z.shape)
    numeric = numerical_gradient(lambda: np.sum(fn.softmax_forward(z) * dout), z)
    assert_gradients_close(fn.softmax_backward(dout, p), numeric)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    p = fn.softmax_forward(np.array([[1000.0, 1000.0 + np.log(3)], [-5.0, -5.0]]))
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-12)


def test_cross_entropy_dlogits_match_numerical_gradient_of_the_loss(rng):
    logits = rng.standard_normal((4, 6)) * 3
    labels = np.array([0, 5, 2, 2])
    loss, dlogits, probs = fn.cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda: fn.cross_entropy(logits, labels)[0], logits)
    assert_gradients_close(dlogits, numeric)
    expected_loss = -np.mean(np.log(probs[np.arange(4), labels]))
    assert loss == pytest.approx(expected_loss, rel=1e-12)


def test_cross_entropy_by_hand():
    # softmax([0, ln 3]) = [1/4, 3/4]: loss for label 0 is ln 4, and dlogits = p - onehot.
    loss, dlogits, probs = fn.cross_entropy(np.array([[0.0, np.log(3)]]), np.array([0]))
    assert loss == pytest.approx(np.log(4), rel=1e-12)
    np.testing.assert_allclose(probs, [[0.25, 0.75]], rtol=1e-12)
    np.testing.assert_allclose(dlogits, [[-0.75, 0.75]], rtol=1e-12)
    # Ten equal logits: the loss of a uniform guess, ln 10, whatever the label and the offset.
    loss10, _, _ = fn.cross_entropy(np.full((2, 10), 500.0), np.array([3, 9]))
    assert loss10 == pytest.approx(np.log(10), rel=1e-12)
