"""Every fast kernel against its naive loop twin in reference.py, on assorted shapes,
strides and paddings (float64, so agreement must be to rounding)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nn import functions as fn
from app.nn.conv import conv2d_backward, conv2d_forward
from app.nn.pool import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward

from . import reference as ref

TIGHT = {"rtol": 1e-10, "atol": 1e-12}

# (N, C, H, W, F, K, stride, pad)
CONV_CASES = [
    (1, 1, 5, 5, 1, 3, 1, 0),
    (2, 3, 7, 7, 4, 3, 2, 1),  # W=7, F=3, P=1, S=2 -> 4
    (2, 2, 8, 6, 3, 5, 1, 2),  # non-square, "same" padding
    (1, 3, 9, 9, 2, 2, 3, 0),  # stride larger than the kernel: inputs no window reads
    (3, 1, 6, 7, 2, 4, 2, 3),  # padding K - 1, last row/column dropped by the stride
    (2, 2, 5, 5, 3, 5, 1, 0),  # kernel as large as the input: a 1x1 output
    (1, 2, 10, 4, 2, 1, 2, 0),  # 1x1 kernel
]

# (N, C, H, W, K, stride)
POOL_CASES = [
    (2, 3, 4, 4, 2, 2),
    (1, 2, 7, 5, 3, 2),  # partial windows at the edge are dropped
    (2, 1, 6, 6, 2, 1),  # overlapping windows
    (1, 2, 9, 9, 2, 3),  # gaps between windows
    (1, 1, 5, 5, 5, 1),  # one window over everything
]


def pool_argmax(cache):
    """The max-pool cache keeps the winners' flat window indices as ``argmax``."""
    return cache.argmax if hasattr(cache, "argmax") else cache[1]


def conv_case(rng, n, c, h, w, f, k, dtype=np.float64):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((f, c, k, k)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype)
    return x, wt, b


@pytest.mark.parametrize("n, c, h, w, f, k, stride, pad", CONV_CASES)
def test_conv_forward_matches_naive_twin_with_stride_and_padding(n, c, h, w, f, k, stride, pad):
    rng = np.random.default_rng(1)
    x, wt, b = conv_case(rng, n, c, h, w, f, k)
    out, _ = conv2d_forward(x, wt, b, stride, pad)
    np.testing.assert_allclose(out, ref.conv2d(x, wt, b, stride, pad), **TIGHT)


@pytest.mark.parametrize("n, c, h, w, f, k, stride, pad", CONV_CASES)
def test_conv_backward_matches_naive_twin_with_stride_and_padding(n, c, h, w, f, k, stride, pad):
    rng = np.random.default_rng(2)
    x, wt, b = conv_case(rng, n, c, h, w, f, k)
    out, cache = conv2d_forward(x, wt, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    dx_ref, dw_ref, db_ref = ref.conv2d_grads(dout, x, wt, stride, pad)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, dx_ref, **TIGHT)
    np.testing.assert_allclose(dw, dw_ref, **TIGHT)
    np.testing.assert_allclose(db, db_ref, **TIGHT)


def test_conv_backward_without_dx_returns_none_and_the_same_weight_gradients():
    rng = np.random.default_rng(3)
    x, wt, b = conv_case(rng, 2, 3, 7, 7, 4, 3)
    out, cache = conv2d_forward(x, wt, b, 2, 1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache, need_dx=False)
    _, dw_ref, db_ref = ref.conv2d_grads(dout, x, wt, 2, 1)
    assert dx is None
    np.testing.assert_allclose(dw, dw_ref, **TIGHT)
    np.testing.assert_allclose(db, db_ref, **TIGHT)


@st.composite
def conv_shapes(draw):
    k = draw(st.integers(1, 4))
    pad = draw(st.integers(0, k - 1))
    stride = draw(st.integers(1, 3))
    low = max(1, k - 2 * pad)
    h, w = draw(st.integers(low, 9)), draw(st.integers(low, 9))
    return draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)), k, stride, pad


@settings(max_examples=30, deadline=None)
@given(shape=conv_shapes(), seed=st.integers(0, 2**16))
def test_conv_forward_and_backward_match_naive_twin_on_random_shapes(shape, seed):
    n, c, h, w, f, k, stride, pad = shape
    rng = np.random.default_rng(seed)
    x, wt, b = conv_case(rng, n, c, h, w, f, k)
    out, cache = conv2d_forward(x, wt, b, stride, pad)
    np.testing.assert_allclose(out, ref.conv2d(x, wt, b, stride, pad), **TIGHT)
    dout = rng.standard_normal(out.shape)
    for got, want in zip(conv2d_backward(dout, cache), ref.conv2d_grads(dout, x, wt, stride, pad)):
        np.testing.assert_allclose(got, want, **TIGHT)


def test_conv_keeps_float32_and_matches_twin_within_float32_rounding():
    rng = np.random.default_rng(4)
    x, wt, b = conv_case(rng, 2, 3, 8, 8, 4, 3, dtype=np.float32)
    out, cache = conv2d_forward(x, wt, b, 1, 1)
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dw.dtype == db.dtype == np.float32
    x64, w64, b64 = x.astype(np.float64), wt.astype(np.float64), b.astype(np.float64)
    np.testing.assert_allclose(out, ref.conv2d(x64, w64, b64, 1, 1), rtol=1e-5, atol=1e-5)
    dx_ref, dw_ref, _ = ref.conv2d_grads(np.ones(out.shape), x64, w64, 1, 1)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("n, c, h, w, k, stride", POOL_CASES)
def test_maxpool_forward_and_argmax_match_naive_twin(n, c, h, w, k, stride):
    x = np.random.default_rng(5).standard_normal((n, c, h, w))
    out, cache = maxpool_forward(x, k, stride)
    out_ref, argmax_ref = ref.maxpool(x, k, stride)
    np.testing.assert_array_equal(out, out_ref)
    np.testing.assert_array_equal(pool_argmax(cache), argmax_ref)


@pytest.mark.parametrize("n, c, h, w, k, stride", POOL_CASES)
def test_maxpool_backward_routes_gradient_to_the_winner_like_naive_twin(n, c, h, w, k, stride):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((n, c, h, w))
    out, cache = maxpool_forward(x, k, stride)
    dout = rng.standard_normal(out.shape)
    _, argmax_ref = ref.maxpool(x, k, stride)
    np.testing.assert_allclose(
        maxpool_backward(dout, cache), ref.maxpool_grad(dout, x.shape, argmax_ref, k, stride), **TIGHT
    )


def test_maxpool_with_tied_values_picks_one_maximal_winner_per_window():
    x = np.random.default_rng(7).integers(0, 3, (2, 2, 6, 6)).astype(np.float64)  # many ties
    out, cache = maxpool_forward(x, 2, 2)
    np.testing.assert_array_equal(out, ref.maxpool(x, 2, 2)[0])
    argmax = pool_argmax(cache)
    ky, kx = np.divmod(argmax, 2)
    rows = 2 * np.arange(3)[:, None] + ky
    cols = 2 * np.arange(3)[None, :] + kx
    n_idx, c_idx = np.indices((2, 2, 3, 3))[:2]
    np.testing.assert_array_equal(x[n_idx, c_idx, rows, cols], out)  # the winner holds the maximum
    dx = maxpool_backward(np.ones_like(out), cache)
    assert dx.sum() == out.size and set(np.unique(dx)) <= {0.0, 1.0}  # one winner per window, not shared


@pytest.mark.parametrize("n, c, h, w, k, stride", POOL_CASES)
def test_avgpool_forward_and_backward_match_naive_twin(n, c, h, w, k, stride):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((n, c, h, w))
    out, cache = avgpool_forward(x, k, stride)
    np.testing.assert_allclose(out, ref.avgpool(x, k, stride), **TIGHT)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(avgpool_backward(dout, cache), ref.avgpool_grad(dout, x.shape, k, stride), **TIGHT)


@pytest.mark.parametrize("n, d_in, d_out", [(1, 1, 1), (4, 7, 3), (3, 12, 10)])
def test_dense_forward_and_backward_match_naive_twin(n, d_in, d_out):
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((n, d_in)), rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out)
    out, cache = fn.dense_forward(x, w, b)
    np.testing.assert_allclose(out, ref.dense(x, w, b), **TIGHT)
    dout = rng.standard_normal(out.shape)
    want = ref.dense_grads(dout, x, w)
    for got, expected in zip(fn.dense_backward(dout, cache), want):
        np.testing.assert_allclose(got, expected, **TIGHT)
    dx_none, dw, db = fn.dense_backward(dout, cache, need_dx=False)
    assert dx_none is None
    np.testing.assert_allclose(dw, want[1], **TIGHT)
    np.testing.assert_allclose(db, want[2], **TIGHT)
