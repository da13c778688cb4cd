"""Dense layers, activations, softmax and the cross-entropy loss, forward and backward in pairs."""

from __future__ import annotations

import functools

import numpy as np

LEAKY_SLOPE = 0.01


def dense_forward(x, w, b):
    """Inputs: x (N, D_in), w (D_in, D_out), b (D_out,). Returns: out (N, D_out) and a cache."""
    out = x @ w
    out += b
    return out, (x, w)


def dense_backward(dout, cache, need_dx=True):
    """Inputs: dout (N, D_out). Returns: dx (N, D_in) or None, dw (D_in, D_out), db (D_out,)."""
    x, w = cache
    dx = dout @ w.T if need_dx else None
    return dx, x.T @ dout, dout.sum(axis=0)


def activation_forward(z, kind, slope=LEAKY_SLOPE):
    """Elementwise activation of the weighted input z (any shape); `slope` is leaky ReLU's
    slope for negative inputs."""
    if kind == "relu":
        # Against the scalar 0 np.maximum takes a slow broadcasting loop (numpy 2.4): against
        # an array of zeros it runs two to three times faster, allocation included.
        a = np.zeros(z.shape, z.dtype)
        return np.maximum(z, a, out=a)
    if kind == "leaky_relu":
        return np.where(z > 0, z, z * z.dtype.type(slope))
    if kind == "tanh":
        return np.tanh(z)
    if kind == "sigmoid":
        return sigmoid(z)
    raise ValueError(f"unknown activation {kind!r}")


@functools.lru_cache(maxsize=64)
def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False  # shared by every call of that shape: nobody may write it
    return zeros


def activation_single(z, kind, slope=LEAKY_SLOPE):
    """activation_forward for one image's layer, in a fresh array: ReLU against a kept array
    of zeros of that shape (half the time of allocating one; a trace makes one per layer)."""
    if kind == "relu":
        return np.maximum(z, _zeros(z.shape, z.dtype))
    return activation_forward(z, kind, slope)


def activation_backward(dout, z, a, kind, slope=LEAKY_SLOPE):
    """Gradient through the activation, given its input z and output a."""
    if kind == "relu":
        return dout * (z > 0)
    if kind == "leaky_relu":
        return np.where(z > 0, dout, dout * dout.dtype.type(slope))
    if kind == "tanh":
        return dout * (1 - a * a)
    if kind == "sigmoid":
        return dout * a * (1 - a)
    raise ValueError(f"unknown activation {kind!r}")


def sigmoid(z):
    # Written with exp(-|z|) so that neither branch overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def softmax_forward(z):
    """Inputs: logits z (N, K). Returns: probabilities (N, K), rows summing to 1."""
    e = z - z.max(axis=-1, keepdims=True)  # the largest logit becomes 0: exp cannot overflow
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_single(z):
    """Inputs: logits z (K,). Returns: probabilities (K,), as softmax_forward for one row, in
    fewer calls (the reductions called directly: the array methods add a Python layer)."""
    e = z - np.maximum.reduce(z)
    np.exp(e, out=e)
    e /= np.add.reduce(e)
    return e


def softmax_backward(dout, p):
    """Jacobian-vector product of softmax: dz_i = p_i * (dout_i - sum_j dout_j p_j)."""
    return p * (dout - (dout * p).sum(axis=-1, keepdims=True))


def cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, from the logits directly.

    Inputs: logits (N, K), labels (N,). Returns: loss (float), dlogits (N, K), probabilities (N, K).
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_norm
    loss = -float(log_p[np.arange(n), labels].mean())
    p = np.exp(log_p)
    dlogits = p.copy()
    dlogits[np.arange(n), labels] -= 1
    dlogits /= n
    return loss, dlogits, p
