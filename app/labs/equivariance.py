"""How much each layer moves with the input: one number per layer, for the Transform lab.

For a pure shift (dx, dy) and a layer with maps, the number is the correlation between the
layer's maps of the shifted input and its maps of the original input shifted by the same
amount at that layer's scale, (dx, dy) / jump, where the jump is how many input pixels one
step of the layer spans (the product of the strides below it). A border of ceil(|shift| / jump) + 1
cells is cropped from both, where padding and the image's edge make them differ for
reasons that are not the network's. 1 means the maps moved exactly with the input
(equivariance). For dense layers, and for rotation, scale and thickness, the number is the
correlation between the two activations as they are: 1 means the layer did not change
(invariance). A layer that is constant in either case (an all-zero map) has no correlation:
null.
"""

from __future__ import annotations

import math

import numpy as np

from .transform import Transform


def jumps(network) -> list[int | None]:
    """Input pixels per step of each layer's maps; None for vector layers."""
    out, jump = [], 1
    for layer in network.layers:
        reads = layer.reads()
        if len(layer.out_shape) != 3:
            jump = None
        elif reads.type == "window":
            jump *= reads.stride
        out.append(jump)
    return out


def correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    if a.size < 2:
        return None
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt(float(a @ a) * float(b @ b))
    return None if norm < 1e-12 else round(float(a @ b) / norm, 4)


def _shift_axis(a: np.ndarray, d: float, axis: int) -> np.ndarray:
    """a moved by d cells along `axis`, linear between cells, zeros coming in: out[i] = a[i - d]."""
    k = math.floor(d)
    f = d - k
    out = np.zeros_like(a)
    n = a.shape[axis]
    for step, weight in ((k, 1 - f), (k + 1, f)):  # out[i] = (1 - f) a[i - k] + f a[i - k - 1]
        if weight == 0 or abs(step) >= n:
            continue
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        src[axis] = slice(max(0, -step), n - max(0, step))
        dst[axis] = slice(max(0, step), n - max(0, -step))
        out[tuple(dst)] += weight * a[tuple(src)]
    return out


def shift_maps(maps: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """maps (C, H, W) moved by (dy, dx) cells, bilinear, zeros coming in. A shift moves every
    cell alike, so bilinear sampling splits into one linear step per axis: slices, no gather."""
    return _shift_axis(_shift_axis(np.asarray(maps, np.float64), dy, 1), dx, 2)


def shifted_correlation(moved: np.ndarray, still: np.ndarray, dy: float, dx: float) -> float | None:
    """Correlation of `moved` with `still` shifted by (dy, dx) cells, borders cropped."""
    m = math.ceil(max(abs(dy), abs(dx))) + 1
    expected = shift_maps(still, dy, dx)
    _, h, w = still.shape
    if h <= 2 * m or w <= 2 * m:
        return None
    return correlation(moved[:, m:h - m, m:w - m], expected[:, m:h - m, m:w - m])


def equivariance(network, t: Transform, x_moved, x_still, moved_traces, still_traces) -> list[dict]:
    """One entry per layer, the input first: {"layer", "value", "compared": "shifted" | "as_is"}."""
    names = ["input"] + [layer.name for layer in network.layers]
    outputs = [(x_moved, x_still, 1)] + [
        (m.output, s.output, j) for m, s, j in zip(moved_traces, still_traces, jumps(network))
    ]
    result = []
    for name, (moved, still, jump) in zip(names, outputs):
        if t.is_shift and jump is not None and moved.ndim == 3:
            value = shifted_correlation(moved, still, t.dy / jump, t.dx / jump)
            result.append({"layer": name, "value": value, "compared": "shifted"})
        else:
            result.append({"layer": name, "value": correlation(moved, still), "compared": "as_is"})
    return result
