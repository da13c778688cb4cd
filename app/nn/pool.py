"""Max and average pooling over KxK windows (no padding; a partial window at the edge is dropped)."""

from __future__ import annotations

import numpy as np

from .conv import windows


def maxpool_forward(x, kernel, stride):
    """Inputs: x (N, C, H, W).

    Returns: out (N, C, H', W') with H' = 1 + (H - K) // stride, and a cache whose
    ``argmax`` (N, C, H', W') holds the winner's flat index ky*K + kx inside its window:
    the detail view shows which input won, and the backward pass routes the gradient there.
    """
    n, c = x.shape[:2]
    win = windows(x, kernel, stride)  # (N, C, H', W', K, K)
    ho, wo = win.shape[2], win.shape[3]
    flat = win.reshape(n, c, ho, wo, kernel * kernel)  # (N, C, H', W', K*K)
    argmax = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, argmax, kernel, stride)


def maxpool_backward(dout, cache):
    """Inputs: dout (N, C, H', W'). Returns: dx (N, C, H, W), nonzero only at each window's winner."""
    x_shape, argmax, kernel, stride = cache
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for k in range(kernel * kernel):
        ky, kx = divmod(k, kernel)
        dx[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += np.where(
            argmax == k, dout, 0
        )
    return dx


def avgpool_forward(x, kernel, stride):
    """Inputs: x (N, C, H, W). Returns: out (N, C, H', W'), the mean of each window, and a cache."""
    out = windows(x, kernel, stride).mean(axis=(-2, -1), dtype=x.dtype)
    return out, (x.shape, kernel, stride)


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
