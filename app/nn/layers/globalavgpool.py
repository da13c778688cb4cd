"""globalavgpool: each map averaged to one number, turning maps into a vector."""

from __future__ import annotations

import numpy as np

from .base import Layer, Reads, register


@register
class GlobalAvgPool(Layer):
    """Inputs: x (N, C, H, W). Returns: out (N, C), the mean of each map."""

    kind = "globalavgpool"
    description = "Each unit is the average of one whole map below: how strongly that map's pattern appeared anywhere."

    def output_shape(self, in_shape):
        self.needs_maps(in_shape)
        return (in_shape[0],)

    def reads(self):
        return Reads("channel")

    def forward(self, x, params, mode):
        return x.mean(axis=(2, 3), dtype=x.dtype), x.shape  # (N, C)

    def backward(self, dout, cache, need_dx=True):
        n, c, h, w = cache
        share = dout / dout.dtype.type(h * w)  # (N, C)
        return np.broadcast_to(share[:, :, None, None], cache).copy(), {}  # (N, C, H, W)

    def explain(self, unit, below, out, params, trace):
        (c,) = unit
        window = below[c]
        return {
            "channel": int(c), "window": window, "count": int(window.size),
            "sum": float(window.sum(dtype=np.float32)), "mean": float(out[c]),
        }
