"""flatten: maps laid out as one vector in C order; no arithmetic."""

from __future__ import annotations

import numpy as np

from .base import Layer, Reads, register


@register
class Flatten(Layer):
    """Inputs: x (N, *in_shape). Returns: out (N, prod(in_shape)), a view in C order."""

    kind = "flatten"
    description = (
        "The maps below laid end to end as one long list, map after map and row after row: "
        "nothing is computed, the dense layers need a list."
    )
    sends = ("same_as",)  # the trace sends the layer below, read in C order

    def output_shape(self, in_shape):
        return (int(np.prod(in_shape)),)

    def reads(self):
        return Reads("flatten")

    def forward(self, x, params, mode):
        return x.reshape(x.shape[0], -1), x.shape  # (N, C*H*W)

    def trace_single(self, x, params):
        return x.reshape(-1), None, None  # a view, as forward's

    def backward(self, dout, cache, need_dx=True):
        return dout.reshape(cache), {}

    def explain(self, unit, below, out, params, trace):
        if below.ndim == 1:
            return {"source": {"index": int(unit[0])}}
        ch, sy, sx = np.unravel_index(unit[0], below.shape)
        return {"source": {"channel": int(ch), "y": int(sy), "x": int(sx)}}
