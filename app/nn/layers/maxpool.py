"""maxpool: the largest value of each window; the winner's place is kept for the page."""

from __future__ import annotations

import numpy as np

from ..pool import maxpool_backward, maxpool_forward, maxpool_single
from .base import register
from .pooling import WindowPool


@register
class MaxPool(WindowPool):
    kind = "maxpool"
    description = (
        "Each unit keeps the largest value of a small window of its own map: the map shrinks "
        "but a strong detection survives."
    )
    sends = ("output", "argmax")

    def forward(self, x, params, mode):
        s = self.spec
        return maxpool_forward(x, s.kernel, s.stride, s.padding)

    def backward(self, dout, cache, need_dx=True):
        return maxpool_backward(dout, cache), {}

    def traced(self, cache):
        return None, cache[1]  # argmax (N, C, H', W'): flat index ky*K + kx of each winner

    def trace_single(self, x, params):
        s = self.spec
        out, argmax = maxpool_single(x, s.kernel, s.stride, s.padding)
        return out, None, argmax

    def explain(self, unit, below, out, params, trace):
        window, origin, in_padding = self.window_of(unit, below, -np.inf)
        wy, wx = np.unravel_index(int(window.argmax()), window.shape)
        return {
            "origin": origin, "window": window, "in_padding": in_padding, "kernel": self.spec.kernel,
            "stride": self.spec.stride, "padding": self.spec.padding,
            "winner": [origin[0] + int(wy), origin[1] + int(wx)],
        }
