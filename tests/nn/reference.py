"""Slow, obvious twins of the fast kernels in app/nn, used only by the tests.

Every function is a plain loop over the output units, written straight from the definition,
so that a vectorised kernel can be held against it. Shapes follow app/nn: x (N, C, H, W),
conv w (F, C, KH, KW), dense w (D_in, D_out).
"""

from __future__ import annotations

import math

import numpy as np


def pad_zeros(x, pad):
    """(N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad), zeros around the border."""
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    xp[:, :, pad : pad + h, pad : pad + w] = x
    return xp


def out_size(size, kernel, stride, pad=0):
    return 1 + (size + 2 * pad - kernel) // stride


def conv2d(x, w, b, stride, pad):
    """out[n, f, y, x] = b[f] + sum over c, ky, kx of xp[n, c, y*S + ky, x*S + kx] * w[f, c, ky, kx]."""
    n_img, _, h, wd = x.shape
    f_out, _, k, _ = w.shape
    ho, wo = out_size(h, k, stride, pad), out_size(wd, k, stride, pad)
    xp = pad_zeros(x, pad)
    out = np.zeros((n_img, f_out, ho, wo), dtype=x.dtype)
    for n in range(n_img):
        for f in range(f_out):
            for y in range(ho):
                for x_ in range(wo):
                    patch = xp[n, :, y * stride : y * stride + k, x_ * stride : x_ * stride + k]
                    out[n, f, y, x_] = np.sum(patch * w[f]) + b[f]
    return out


def conv2d_grads(dout, x, w, stride, pad):
    """Gradients of sum(out * dout) for out = conv2d(x, w, b, stride, pad): dx, dw, db."""
    n_img, _, h, wd = x.shape
    f_out, _, k, _ = w.shape
    xp = pad_zeros(x, pad)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(f_out, dtype=w.dtype)
    for n in range(n_img):
        for f in range(f_out):
            for y in range(dout.shape[2]):
                for x_ in range(dout.shape[3]):
                    g = dout[n, f, y, x_]
                    rows = slice(y * stride, y * stride + k)
                    cols = slice(x_ * stride, x_ * stride + k)
                    dxp[n, :, rows, cols] += g * w[f]
                    dw[f] += g * xp[n, :, rows, cols]
                    db[f] += g
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, db


def maxpool(x, kernel, stride):
    """Returns out (N, C, H', W') and argmax (N, C, H', W'): the flat index ky*K + kx of the
    first largest value of each window, scanning rows then columns."""
    n_img, channels, h, wd = x.shape
    ho, wo = out_size(h, kernel, stride), out_size(wd, kernel, stride)
    out = np.zeros((n_img, channels, ho, wo), dtype=x.dtype)
    argmax = np.zeros((n_img, channels, ho, wo), dtype=np.int64)
    for n in range(n_img):
        for c in range(channels):
            for y in range(ho):
                for x_ in range(wo):
                    best, best_k = None, 0
                    for ky in range(kernel):
                        for kx in range(kernel):
                            v = x[n, c, y * stride + ky, x_ * stride + kx]
                            if best is None or v > best:
                                best, best_k = v, ky * kernel + kx
                    out[n, c, y, x_] = best
                    argmax[n, c, y, x_] = best_k
    return out, argmax


def maxpool_grad(dout, x_shape, argmax, kernel, stride):
    """dx: each window's gradient goes to its winner, and only there."""
    dx = np.zeros(x_shape, dtype=dout.dtype)
    n_img, channels, ho, wo = dout.shape
    for n in range(n_img):
        for c in range(channels):
            for y in range(ho):
                for x_ in range(wo):
                    ky, kx = divmod(int(argmax[n, c, y, x_]), kernel)
                    dx[n, c, y * stride + ky, x_ * stride + kx] += dout[n, c, y, x_]
    return dx


def avgpool(x, kernel, stride):
    n_img, channels, h, wd = x.shape
    ho, wo = out_size(h, kernel, stride), out_size(wd, kernel, stride)
    out = np.zeros((n_img, channels, ho, wo), dtype=x.dtype)
    for n in range(n_img):
        for c in range(channels):
            for y in range(ho):
                for x_ in range(wo):
                    total = 0.0
                    for ky in range(kernel):
                        for kx in range(kernel):
                            total += x[n, c, y * stride + ky, x_ * stride + kx]
                    out[n, c, y, x_] = total / (kernel * kernel)
    return out


def avgpool_grad(dout, x_shape, kernel, stride):
    """dx: every input of a window receives 1/K^2 of the window's gradient."""
    dx = np.zeros(x_shape, dtype=dout.dtype)
    n_img, channels, ho, wo = dout.shape
    for n in range(n_img):
        for c in range(channels):
            for y in range(ho):
                for x_ in range(wo):
                    for ky in range(kernel):
                        for kx in range(kernel):
                            dx[n, c, y * stride + ky, x_ * stride + kx] += dout[n, c, y, x_] / (kernel * kernel)
    return dx


def dense(x, w, b):
    """out[n, j] = b[j] + sum over i of x[n, i] * w[i, j]."""
    n_img, d_in = x.shape
    d_out = w.shape[1]
    out = np.zeros((n_img, d_out), dtype=x.dtype)
    for n in range(n_img):
        for j in range(d_out):
            total = b[j]
            for i in range(d_in):
                total += x[n, i] * w[i, j]
            out[n, j] = total
    return out


def dense_grads(dout, x, w):
    """Gradients of sum(out * dout) for out = dense(x, w, b): dx, dw, db."""
    n_img, d_in = x.shape
    d_out = w.shape[1]
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(d_out, dtype=w.dtype)
    for n in range(n_img):
        for j in range(d_out):
            db[j] += dout[n, j]
            for i in range(d_in):
                dx[n, i] += dout[n, j] * w[i, j]
                dw[i, j] += dout[n, j] * x[n, i]
    return dx, dw, db


# -- the kinds of app/nn/layers, loop by loop -------------------------------------------------
def conv2d_dilated(x, w, b, stride, pad, dilation):
    """out[n, f, y, x] = b[f] + sum over c, ky, kx of xp[n, c, y*S + ky*D, x*S + kx*D] * w[f, c, ky, kx]."""
    n_img, _, h, wd = x.shape
    f_out, channels, k, _ = w.shape
    reach = dilation * (k - 1) + 1
    ho, wo = out_size(h, reach, stride, pad), out_size(wd, reach, stride, pad)
    xp = pad_zeros(x, pad)
    out = np.zeros((n_img, f_out, ho, wo), dtype=x.dtype)
    for n in range(n_img):
        for f in range(f_out):
            for y in range(ho):
                for x_ in range(wo):
                    total = b[f]
                    for c in range(channels):
                        for ky in range(k):
                            for kx in range(k):
                                total += xp[n, c, y * stride + ky * dilation, x_ * stride + kx * dilation] * w[f, c, ky, kx]
                    out[n, f, y, x_] = total
    return out


def pool2d_padded(x, kernel, stride, pad, how):
    """Max pooling over -inf padding (argmax: first largest, rows then columns, in the padded
    window) or average pooling over zero padding divided by K*K, as PyTorch's defaults."""
    n_img, channels, h, wd = x.shape
    ho, wo = out_size(h, kernel, stride, pad), out_size(wd, kernel, stride, pad)
    out = np.zeros((n_img, channels, ho, wo), dtype=x.dtype)
    argmax = np.zeros((n_img, channels, ho, wo), dtype=np.int64)
    for n in range(n_img):
        for c in range(channels):
            for y in range(ho):
                for x_ in range(wo):
                    values = []
                    for ky in range(kernel):
                        for kx in range(kernel):
                            yy, xx = y * stride + ky - pad, x_ * stride + kx - pad
                            inside = 0 <= yy < h and 0 <= xx < wd
                            values.append(x[n, c, yy, xx] if inside else (-np.inf if how == "max" else 0.0))
                    if how == "max":
                        best = 0
                        for i, v in enumerate(values):
                            if v > values[best]:
                                best = i
                        out[n, c, y, x_], argmax[n, c, y, x_] = values[best], best
                    else:
                        out[n, c, y, x_] = sum(values) / (kernel * kernel)
    return out, argmax


def channel_stats(x):
    """Mean and biased variance of each channel (axis 1) over every other axis, by summing."""
    channels = x.shape[1]
    mean, var = np.zeros(channels), np.zeros(channels)
    for c in range(channels):
        values = [float(v) for v in np.moveaxis(x, 1, 0)[c].ravel()]
        mean[c] = sum(values) / len(values)
        var[c] = sum((v - mean[c]) ** 2 for v in values) / len(values)
    return mean, var


def batchnorm(x, gamma, beta, mean, var, eps):
    """out[n, c, ...] = gamma[c] * (x - mean[c]) / sqrt(var[c] + eps) + beta[c], unit by unit."""
    out = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        c = index[1]
        out[index] = gamma[c] * (x[index] - mean[c]) / math.sqrt(var[c] + eps) + beta[c]
    return out


def activation(v, kind, slope=0.01):
    """One value through relu, leaky_relu, tanh or sigmoid, from the textbook formulas."""
    v = float(v)
    if kind == "relu":
        return v if v > 0 else 0.0
    if kind == "leaky_relu":
        return v if v > 0 else slope * v
    if kind == "tanh":
        return (math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v))
    if kind == "sigmoid":
        return 1 / (1 + math.exp(-v))
    raise ValueError(kind)


def global_avgpool(x):
    """out[n, c] = the sum of map c divided by its number of pixels."""
    n_img, channels, h, w = x.shape
    out = np.zeros((n_img, channels), dtype=x.dtype)
    for n in range(n_img):
        for c in range(channels):
            total = 0.0
            for y in range(h):
                for x_ in range(w):
                    total += x[n, c, y, x_]
            out[n, c] = total / (h * w)
    return out


def normalize(x, mean, std):
    out = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        out[index] = (x[index] - mean[index[1]]) / std[index[1]]
    return out
