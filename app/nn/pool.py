"""Max and average pooling over KxK windows, with optional padding on every side (a partial
window at the far edge is dropped, as PyTorch does without ceil_mode).

Padding follows PyTorch: max pooling pads with -inf (padding never wins), average pooling
pads with zeros and divides by K*K, padded cells included (count_include_pad=True, PyTorch's
default). As there, the padding is at most half the kernel, so every window holds a real value.

The forward passes stack the window candidates along a leading axis, (K*K, N*C*H'*W'):
reductions over that axis are elementwise operations between K*K slabs, whereas numpy
reduces a short trailing axis (K*K = 4 values) one window at a time. The backward passes
add one strided slab per window offset.
"""

from __future__ import annotations

import functools

import numpy as np

from .conv import patches, zero_pad


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


def _out_shape(x_shape, kernel, stride, pad):
    n, c, h, w = x_shape
    return (n, c, 1 + (h + 2 * pad - kernel) // stride, 1 + (w + 2 * pad - kernel) // stride)


def _crop(dxp, pad):
    """The gradient of the padded input without its border: (N, C, H + 2*pad, ...) -> (N, C, H, W)."""
    return dxp if pad == 0 else dxp[:, :, pad:-pad, pad:-pad]


def maxpool_forward(x, kernel, stride, pad=0):
    """Inputs: x (N, C, H, W), window K, stride and -inf padding on every side.

    Returns: out (N, C, H', W') with H' = 1 + (H + 2*pad - K) // stride, and a cache whose
    ``argmax`` (N, C, H', W'; uint8 for windows up to 16x16) holds the winner's flat index
    ky*K + kx inside its (padded) window: the detail view shows which input won, and the
    backward pass routes the gradient there.
    Ties go to the first index, as np.argmax does (after a ReLU, all-zero windows are common).
    A window holding NaN gives out NaN and an unspecified argmax.
    """
    out_shape = _out_shape(x.shape, kernel, stride, pad)
    cand = candidates(zero_pad(x, pad, -np.inf) if pad else x, kernel, stride)  # (K*K, N*C*H'*W')
    out = cand.max(axis=0)
    # np.argmax over the K*K axis would loop window by window. Instead, the first k with
    # cand[k] == out is found as the largest weight K*K-1-k among the hits.
    kk = kernel * kernel
    argmax = (kk - 1) - ((cand == out) * _first_weights(kk)).max(axis=0)  # in the weights' small type
    return out.reshape(out_shape), (x.shape, argmax.reshape(out_shape), kernel, stride, pad)


def maxpool_single(x, kernel, stride, pad=0):
    """One image, for the trace: x (C, H, W). Returns: out and argmax (C, H', W'), as
    maxpool_forward gives them for a batch of one, in fewer NumPy calls: when the windows tile
    the map (stride K, no padding) the candidates are a reshape of x, not a strided view."""
    c, h, w = x.shape
    ho, wo = 1 + (h + 2 * pad - kernel) // stride, 1 + (w + 2 * pad - kernel) // stride
    kk = kernel * kernel
    if stride == kernel and not pad:
        if h != ho * kernel or w != wo * kernel:
            x = x[:, : ho * kernel, : wo * kernel]  # the partial windows at the far edges are dropped
        tiles = x.reshape(c, ho, kernel, wo, kernel)  # (C, H', K, W', K)
        cand = tiles.transpose(2, 4, 0, 1, 3).reshape(kk, c * ho * wo)  # (K*K, C*H'*W'), a copy
    else:
        cand = candidates(zero_pad(x[None], pad, -np.inf) if pad else x[None], kernel, stride)  # (K*K, C*H'*W')
    out = np.maximum.reduce(cand, axis=0)  # (C*H'*W',)
    argmax = (kk - 1) - np.maximum.reduce((cand == out) * _first_weights(kk), axis=0)  # as maxpool_forward
    return out.reshape(c, ho, wo), argmax.reshape(c, ho, wo)


def maxpool_backward(dout, cache):
    """Inputs: dout (N, C, H', W'). Returns: dx (N, C, H, W), nonzero only at each window's winner."""
    x_shape, argmax, kernel, stride, pad = cache
    n, c, h, w = x_shape
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dout.dtype)
    # One strided slice of dx per window offset: faster than one assignment through a 6-D
    # strided view, and overlapping windows (stride < K) add up correctly.
    for k in range(kernel * kernel):
        ky, kx = divmod(k, kernel)
        dx[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += dout * (argmax == k)
    return _crop(dx, pad)


def avgpool_forward(x, kernel, stride, pad=0):
    """Inputs: x (N, C, H, W), window K, stride and zero padding on every side.

    Returns: out (N, C, H', W') with H' = 1 + (H + 2*pad - K) // stride, the sum of each
    window divided by K*K (padded cells counted), and a cache.
    """
    out = candidates(zero_pad(x, pad) if pad else x, kernel, stride).mean(axis=0)  # (N*C*H'*W',)
    return out.reshape(_out_shape(x.shape, kernel, stride, pad)), (x.shape, kernel, stride, pad)


def avgpool_backward(dout, cache):
    """Inputs: dout (N, C, H', W'). Returns: dx (N, C, H, W); each window shares its gradient evenly."""
    x_shape, kernel, stride, pad = cache
    n, c, h, w = x_shape
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dout.dtype)
    share = dout / (kernel * kernel)
    for ky in range(kernel):
        for kx in range(kernel):
            dx[:, :, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride] += share
    return _crop(dx, pad)
