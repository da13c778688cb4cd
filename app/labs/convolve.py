"""The Kernel lab's arithmetic: one kernel slid over a picture, then an activation and a pooling.

Inputs: x (C, H, W) in 0..1 and a kernel (C, K, K), or (K, K) applied to every channel with
the results summed (as colour convolution is taught). Returns: output (H', W') with
H' = (H + 2P - span) / S + 1, span = D(K - 1) + 1, zero padding. "flip" computes true
convolution (the kernel turned by 180 degrees) instead of the cross-correlation CNN layers
compute. Every limit is checked here, with a sentence that says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn import functions as fn

MAX_SIDE = 128
MAX_K = 7
MAX_STRIDE = 4
MAX_DILATION = 3
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
POOLS = ("max", "avg", "sum")
MAX_POOL = 4


class ConvolveError(ValueError):
    """Settings that cannot be convolved; the message says why and what fits."""


@dataclass(frozen=True)
class Settings:
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    flip: bool = False
    activation: str | None = None
    pool: tuple[str, int, int] | None = None  # (kind, size, stride)


def formula(h: int, w: int, k: int, s: Settings) -> dict:
    """The output-size formula with its numbers; raises ConvolveError when they do not fit."""
    span = s.dilation * (k - 1) + 1
    if k > MAX_K:
        raise ConvolveError(f"The kernel is {k}x{k}; at most {MAX_K}x{MAX_K}.")
    if not 0 <= s.padding <= k - 1:
        raise ConvolveError(f"Padding must be from 0 to K-1 = {k - 1}; it is {s.padding}.")
    if not 1 <= s.stride <= MAX_STRIDE:
        raise ConvolveError(f"Stride must be from 1 to {MAX_STRIDE}; it is {s.stride}.")
    if not 1 <= s.dilation <= MAX_DILATION:
        raise ConvolveError(f"Dilation must be from 1 to {MAX_DILATION}; it is {s.dilation}.")
    for side, n in (("height", h), ("width", w)):
        if n + 2 * s.padding < span:
            raise ConvolveError(f"The kernel spans {span} pixels but the padded {side} is only {n + 2 * s.padding}: "
                                "use a smaller kernel or dilation, or more padding.")
        if (n + 2 * s.padding - span) % s.stride:
            raise ConvolveError(
                f"The stride does not fit the {side}: ({n} - {span} + 2x{s.padding}) / {s.stride} + 1 is not a whole "
                f"number; change the stride or the padding.")
    out = [(h + 2 * s.padding - span) // s.stride + 1, (w + 2 * s.padding - span) // s.stride + 1]
    return {"H": h, "W": w, "F": k, "P": s.padding, "S": s.stride, "D": s.dilation, "span": span, "out": out}


def correlate(x: np.ndarray, kernel: np.ndarray, s: Settings) -> np.ndarray:
    """x (C, H, W), kernel (C, K, K) -> (H', W'), tap by tap (K*K slices of the padded input)."""
    c, h, w = x.shape
    k = kernel.shape[-1]
    if s.flip:
        kernel = kernel[:, ::-1, ::-1]
    ho, wo = formula(h, w, k, s)["out"]
    p, st, d = s.padding, s.stride, s.dilation
    padded = np.pad(x.astype(np.float32), ((0, 0), (p, p), (p, p)))
    out = np.zeros((ho, wo), np.float32)
    for ky in range(k):
        for kx in range(k):
            y0, x0 = ky * d, kx * d
            window = padded[:, y0 : y0 + st * (ho - 1) + 1 : st, x0 : x0 + st * (wo - 1) + 1 : st]  # (C, H', W')
            out += np.tensordot(kernel[:, ky, kx], window, axes=1)
    return out


def pool(a: np.ndarray, kind: str, size: int, stride: int) -> np.ndarray:
    """a (H, W) -> (H'', W''), H'' = (H - size) // stride + 1: windows that do not fit are dropped."""
    h, w = a.shape
    if size > h or size > w:
        raise ConvolveError(f"The pooling window ({size}x{size}) is larger than the {h}x{w} output.")
    ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
    windows = np.stack([
        a[dy : dy + stride * (ho - 1) + 1 : stride, dx : dx + stride * (wo - 1) + 1 : stride]
        for dy in range(size) for dx in range(size)
    ])  # (size*size, H'', W'')
    if kind == "max":
        return windows.max(axis=0)
    return windows.sum(axis=0) / (size * size if kind == "avg" else 1)


def convolve(x: np.ndarray, kernel: np.ndarray, s: Settings) -> dict:
    """The whole lab: output before activation, activated, pooled (or None) and the formula."""
    c, h, w = x.shape
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ConvolveError(f"The input is {h}x{w}; at most {MAX_SIDE}x{MAX_SIDE}.")
    if kernel.ndim == 2:
        kernel = np.broadcast_to(kernel, (c, *kernel.shape))
    elif kernel.shape[0] != c:
        raise ConvolveError(f"The kernel has {kernel.shape[0]} channels but the input has {c}.")
    sizes = formula(h, w, kernel.shape[-1], s)
    output = correlate(x, kernel, s)
    activated = output if s.activation is None else fn.activation_forward(output, s.activation).astype(np.float32)
    pooled = None if s.pool is None else pool(activated, *s.pool).astype(np.float32)
    return {"input": x.astype(np.float32), "output": output, "activated": activated, "pooled": pooled, "formula": sizes}
