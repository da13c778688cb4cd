"""2-D convolution (cross-correlation, as in every deep-learning library) by im2col.

The naive four-loop twin lives in ``tests/nn/reference.py``; the tests hold one against the other.

Layouts, chosen by measurement (``bench/bench_engine.py``):

- forward: the patches of each image form a (C*KH*KW, H'*W') matrix, so one matmul per
  image yields the output already in (N, F, H', W') order, and gathering the patches copies
  runs of W' contiguous values instead of runs of KW;
- backward: col2im puts the batch axis last, so each of the KH*KW strided additions moves
  rows of W'*N contiguous values instead of W' (about three times faster at N = 64);
- one image at stride 1 (the trace, ``SingleConv``): "full-width" patches, one contiguous run
  per kernel tap, into buffers kept between calls, so a call makes four NumPy calls.
"""

from __future__ import annotations

import numpy as np


def patches(x: np.ndarray, kh: int, kw: int, stride: int, dilation: int = 1) -> np.ndarray:
    """Every KHxKW window of x as a strided view (no copy), kernel offsets before positions.

    Inputs: x of shape (N, C, H, W), C-contiguous.
    Returns: view of shape (N, C, KH, KW, H', W') with H' = 1 + (H - D*(KH - 1) - 1) // stride
    for dilation D, where view[n, c, ky, kx, i, j] = x[n, c, i*stride + ky*D, j*stride + kx*D].
    The view shares x's memory (writing to it writes x).
    """
    n, c, h, w = x.shape
    ho = 1 + (h - dilation * (kh - 1) - 1) // stride
    wo = 1 + (w - dilation * (kw - 1) - 1) // stride
    sn, sc, sh, sw = x.strides
    # np.ndarray over x's buffer is as_strided without its ~3 us per call (a one-image trace
    # makes four calls); it still checks that the view stays inside the buffer.
    return np.ndarray(
        (n, c, kh, kw, ho, wo), x.dtype, buffer=x, strides=(sn, sc, sh * dilation, sw * dilation, sh * stride, sw * stride)
    )


def zero_pad(x: np.ndarray, pad: int, value: float = 0.0) -> np.ndarray:
    """Padding of the last two axes with `value` (zero unless said):
    (N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad), C-contiguous."""
    if pad == 0:
        return np.ascontiguousarray(x)
    n, c, h, w = x.shape
    size = (n, c, h + 2 * pad, w + 2 * pad)
    xp = np.zeros(size, x.dtype) if value == 0 else np.full(size, value, x.dtype)  # np.pad is ten times slower here
    xp[:, :, pad : pad + h, pad : pad + w] = x
    return xp


def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Inputs: x (N, C, H, W), w (F, C, KH, KW), b (F,), stride, zero padding on every side and
    dilation D (kernel taps D pixels apart).

    Returns: out of shape (N, F, H', W') with H' = 1 + (H + 2*pad - D*(KH - 1) - 1) // stride,
    C-contiguous, and a cache for the backward pass.
    """
    n = x.shape[0]
    f, c, kh, kw = w.shape
    win = patches(zero_pad(x, pad), kh, kw, stride, dilation)  # (N, C, KH, KW, H', W')
    ho, wo = win.shape[4], win.shape[5]
    cols = win.reshape(n, c * kh * kw, ho * wo)  # (N, C*KH*KW, H'*W'), a copy
    if c * kh * kw >= ho * wo:
        # Deep and small (LeNet's conv2: 16 x 150 x 100): OpenBLAS is 1.3-2 times as fast asked
        # for the product as (H'*W', F); adding the bias writes it back in (N, F, H'*W') order.
        # Wide layers (conv1: 6 x 25 x 784) are faster the usual way round.
        out_t = np.matmul(cols.transpose(0, 2, 1), w.reshape(f, -1).T)  # (N, H'*W', F)
        out = np.add(out_t.transpose(0, 2, 1), b[:, None], order="C")  # (N, F, H'*W')
    else:
        out = w.reshape(f, -1) @ cols  # (N, F, H'*W')
        out += b[:, None]
    return out.reshape(n, f, ho, wo), (x.shape, cols, w, stride, pad, dilation)  # (N, F, H', W')


def conv2d_backward(dout, cache, need_dx=True):
    """Inputs: dout (N, F, H', W') and the forward cache.

    Returns: dx (N, C, H, W) or None when need_dx is False (the first layer), dw (F, C, KH, KW), db (F,).
    dx is a transposed view of a batch-last array; it is not C-contiguous.
    """
    x_shape, cols, w, stride, pad, dil = cache
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    ho, wo = dout.shape[2], dout.shape[3]
    dout_mat = dout.reshape(n, f, ho * wo)  # (N, F, H'*W')
    dw = (dout_mat @ cols.transpose(0, 2, 1)).sum(axis=0)  # (F, C*KH*KW); BLAS reads the transposed view as is
    db = dout_mat.sum(axis=(0, 2))
    if not need_dx:
        return None, dw.reshape(w.shape), db
    dout_t = dout.transpose(1, 2, 3, 0).reshape(f, ho * wo * n)  # (F, H'*W'*N)
    dcols = (w.reshape(f, -1).T @ dout_t).reshape(c, kh, kw, ho, wo, n)  # (C, KH, KW, H', W', N)
    dxp = np.zeros((c, h + 2 * pad, wd + 2 * pad, n), dtype=dcols.dtype)
    # col2im: each kernel offset adds its contribution to a strided slice of the padded input.
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dil, kx * dil
            dxp[:, y0 : y0 + stride * ho : stride, x0 : x0 + stride * wo : stride] += dcols[:, ky, kx]
    dx = dxp[:, pad : pad + h, pad : pad + wd].transpose(3, 0, 1, 2)  # (N, C, H, W)
    return dx, dw.reshape(w.shape), db


def conv2d_input_gradient(dout, cache):
    """Inputs: dout (N, F, H', W') and the forward cache. Returns: dx (N, C, H, W) alone, for the
    saliency maps and the adversary, which need no parameter gradient.

    With stride 1 and no dilation, dx is itself a convolution: dout padded by K - 1 - pad on
    every side, correlated with each kernel turned half a turn, input and output channels
    swapped. That is one im2col and one product instead of col2im's K*K strided additions,
    the costly part of a one-image backward pass. Other layers take conv2d_backward's way.
    """
    x_shape, _, w, stride, pad, dilation = cache
    f, c, kh, kw = w.shape
    if stride != 1 or dilation != 1 or kh != kw or pad > kh - 1:
        return conv2d_backward(dout, cache)[0]
    n, h, wd = dout.shape[0], x_shape[2], x_shape[3]
    win = patches(zero_pad(dout, kh - 1 - pad), kh, kw, 1)  # (N, F, KH, KW, H, W)
    dcols = win.reshape(n, f * kh * kw, h * wd)  # a copy
    turned = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, f * kh * kw)  # (C, F*KH*KW), a copy
    return (turned @ dcols).reshape(n, c, h, wd)


WORKSPACE_LIMIT = 1 << 20  # bytes: larger one-image workspaces are made for one call and dropped


class SingleConv:
    """One image's convolution at stride 1, for the trace, with its buffers and views made once
    for a given shape (``conv2d_forward`` gives the same z for a batch of one).

    Inputs to a call: x (C, H, W), w (F, C, KH, KW), b (F,), read on every call (the labs edit
    weights between traces). Returns: z of shape (F, H', W'), a new C-contiguous array, with
    H' = H + 2*pad - D*(KH - 1).

    A one-image trace is bound by the number of NumPy calls, not by arithmetic, so a call makes
    four: x into the middle of a padded buffer whose border stays zero, the patches into a
    column buffer, one product, and one addition of the bias that reads the wanted columns out.
    The patches are gathered "full width": every kernel tap (c, ky, kx) reads one contiguous
    run of the padded input, positions p = y*Wp + x for y < H' and x < Wp, of which the last
    Wp - W' of each row are windows that wrap past the right edge. The copy then moves C*KH*KW
    runs of about H'*Wp values instead of C*KH*KW*H' runs of W' (about twice as fast), and the
    product computes (Wp - W') / W' more columns than it needs. The batch path keeps the exact
    patches: at N = 64 the wasted columns would cost more than the short runs.

    The buffers are overwritten by the next call: one instance serves one thread.
    """

    def __init__(self, x_shape, w_shape, dtype, pad=0, dilation=1):
        c, h, wd = x_shape
        f, _, kh, kw = w_shape
        hp, wp = h + 2 * pad, wd + 2 * pad
        ho, wo = hp - dilation * (kh - 1), wp - dilation * (kw - 1)
        cells = (ho - 1) * wp + wo  # positions from the first window to the last; none reads past the buffer
        self.padded = np.zeros((c, hp, wp), dtype)  # the border is never written
        self.middle = self.padded[:, pad : pad + h, pad : pad + wd]
        s = self.padded.itemsize
        strides = (hp * wp * s, dilation * wp * s, dilation * s, s)
        self.taps = np.ndarray((c, kh, kw, cells), dtype, buffer=self.padded, strides=strides)  # a view
        self.cols = np.empty((c * kh * kw, cells), dtype)  # (C*KH*KW, cells)
        self.cols_taps = self.cols.reshape(c, kh, kw, cells)
        self.f = f
        # Deep and small (LeNet's conv2: 150 x 100) as conv2d_forward: the product as (cells, F),
        # 1.3-2 times as fast; wide layers the usual way round, as (F, cells).
        self.deep = c * kh * kw >= ho * wo
        self.product = np.empty((cells, f) if self.deep else (f, cells), dtype)
        strides = (s, wp * f * s, f * s) if self.deep else (cells * s, wp * s, s)
        self.wanted = np.ndarray((f, ho, wo), dtype, buffer=self.product, strides=strides)  # a view
        self.nbytes = self.padded.nbytes + self.cols.nbytes + self.product.nbytes

    def __call__(self, x, w, b):
        np.copyto(self.middle, x)
        np.copyto(self.cols_taps, self.taps)
        w_mat = w.reshape(self.f, -1)  # (F, C*KH*KW)
        if self.deep:
            np.dot(self.cols.T, w_mat.T, out=self.product)  # (cells, F)
        else:
            np.dot(w_mat, self.cols, out=self.product)  # (F, cells)
        return np.add(self.wanted, b[:, None, None])  # (F, H', W'), the wanted columns with their bias
