"""2-D convolution (cross-correlation, as in every deep-learning library) by im2col.

The naive four-loop twin lives in ``tests/nn/reference.py``; the tests hold one against the other.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def windows(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Every KxK window of x, as a read-only strided view.

    Inputs: x of shape (N, C, H, W).
    Returns: view of shape (N, C, H', W', K, K) with H' = 1 + (H - K) // stride.
    """
    n, c, h, w = x.shape
    ho = 1 + (h - kernel) // stride
    wo = 1 + (w - kernel) // stride
    sn, sc, sh, sw = x.strides
    return as_strided(
        x,
        shape=(n, c, ho, wo, kernel, kernel),
        strides=(sn, sc, sh * stride, sw * stride, sh, sw),
        writeable=False,
    )


def zero_pad(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero padding of the last two axes: (N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad)."""
    if pad == 0:
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    xp[:, :, pad : pad + h, pad : pad + w] = x
    return xp


def conv2d_forward(x, w, b, stride=1, pad=0):
    """Inputs: x (N, C, H, W), w (F, C, KH, KW) with KH = KW, b (F,).

    Returns: out of shape (N, F, H', W') with H' = 1 + (H + 2*pad - KH) // stride, and a cache.
    """
    n = x.shape[0]
    f, c, kh, _ = w.shape
    win = windows(zero_pad(x, pad), kh, stride)  # (N, C, H', W', KH, KW)
    ho, wo = win.shape[2], win.shape[3]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kh)  # (N*H'*W', C*KH*KW)
    out = cols @ w.reshape(f, -1).T  # (N*H'*W', F)
    out += b
    out = out.reshape(n, ho, wo, f).transpose(0, 3, 1, 2)  # (N, F, H', W')
    return out, (x.shape, cols, w, stride, pad)


def conv2d_backward(dout, cache, need_dx=True):
    """Inputs: dout (N, F, H', W') and the forward cache.

    Returns: dx (N, C, H, W) or None when need_dx is False (the first layer), dw, db.
    """
    x_shape, cols, w, stride, pad = cache
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    ho, wo = dout.shape[2], dout.shape[3]
    dout_mat = dout.transpose(0, 2, 3, 1).reshape(-1, f)  # (N*H'*W', F)
    dw = (dout_mat.T @ cols).reshape(w.shape)
    db = dout_mat.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcols = (dout_mat @ w.reshape(f, -1)).reshape(n, ho, wo, c, kh, kw)
    dcols = dcols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, KH, KW, H', W')
    dxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=dout.dtype)
    # col2im: each kernel offset adds its contribution to a strided slice of the input.
    for ky in range(kh):
        for kx in range(kw):
            dxp[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += dcols[
                :, :, ky, kx
            ]
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, db
