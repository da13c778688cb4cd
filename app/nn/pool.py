"""Max and average pooling over KxK windows (no padding; a partial window at the edge is dropped).

The forward passes stack the window candidates along a leading axis, (K*K, N*C*H'*W'):
reductions over that axis are elementwise operations between K*K slabs, whereas numpy
reduces a short trailing axis (K*K = 4 values) one window at a time. The backward passes
add one strided slab per window offset.
"""

from __future__ import annotations

import functools

import numpy as np

from .conv import patches


def candidates(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Inputs: x (N, C, H, W). Returns: a copy of shape (K*K, N*C*H'*W') with H' = 1 + (H - K) // stride,
    whose row k = ky*K + kx holds x[n, c, i*stride + ky, j*stride + kx] in (n, c, i, j) order."""
    win = patches(np.ascontiguousarray(x), kernel, kernel, stride)  # (N, C, K, K, H', W')
    return win.transpose(2, 3, 0, 1, 4, 5).reshape(kernel * kernel, -1)  # (K*K, N*C*H'*W')


@functools.cache
def _first_weights(kk: int) -> np.ndarray:
    """Column (K*K, 1) of weights K*K-1, ..., 0 in the smallest unsigned type that holds them."""
    weight = np.arange(kk - 1, -1, -1, dtype=np.min_scalar_type(kk)).reshape(kk, 1)  # (K*K, 1)
    weight.flags.writeable = False
    return weight


def maxpool_forward(x, kernel, stride):
    """Inputs: x (N, C, H, W).

    Returns: out (N, C, H', W') with H' = 1 + (H - K) // stride, and a cache whose
    ``argmax`` (N, C, H', W') holds the winner's flat index ky*K + kx inside its window:
    the detail view shows which input won, and the backward pass routes the gradient there.
    Ties go to the first index, as np.argmax does (after a ReLU, all-zero windows are common).
    A window holding NaN gives out NaN and an unspecified argmax.
    """
    n, c, h, w = x.shape
    out_shape = (n, c, 1 + (h - kernel) // stride, 1 + (w - kernel) // stride)
    cand = candidates(x, kernel, stride)  # (K*K, N*C*H'*W')
    out = cand.max(axis=0)
    # np.argmax over the K*K axis would loop window by window. Instead, the first k with
    # cand[k] == out is found as the largest weight K*K-1-k among the hits.
    kk = kernel * kernel
    argmax = ((kk - 1) - ((cand == out) * _first_weights(kk)).max(axis=0)).astype(np.intp)
    return out.reshape(out_shape), (x.shape, argmax.reshape(out_shape), kernel, stride)


def maxpool_backward(dout, cache):
    """Inputs: dout (N, C, H', W'). Returns: dx (N, C, H, W), nonzero only at each window's winner."""
    x_shape, argmax, kernel, stride = cache
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    # One strided slice of dx per window offset: faster than one assignment through a 6-D
    # strided view, and overlapping windows (stride < K) add up correctly.
    for k in range(kernel * kernel):
        ky, kx = divmod(k, kernel)
        dx[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += dout * (argmax == k)
    return dx


def avgpool_forward(x, kernel, stride):
    """Inputs: x (N, C, H, W). Returns: out (N, C, H', W'), the mean of each window, and a cache."""
    n, c, h, w = x.shape
    out = candidates(x, kernel, stride).mean(axis=0)  # (N*C*H'*W',)
    return out.reshape(n, c, 1 + (h - kernel) // stride, 1 + (w - kernel) // stride), (x.shape, kernel, stride)


def avgpool_backward(dout, cache):
    """Inputs: dout (N, C, H', W'). Returns: dx (N, C, H, W); each window shares its gradient evenly."""
    x_shape, kernel, stride = cache
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    share = dout / (kernel * kernel)
    for ky in range(kernel):
        for kx in range(kernel):
            dx[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += share
    return dx
