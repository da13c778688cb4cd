"""avgpool: the mean of each window; padded cells count as zeros (PyTorch's count_include_pad=True)."""

from __future__ import annotations

import numpy as np

from ..pool import avgpool_backward, avgpool_forward
from .base import register
from .pooling import WindowPool


@register
class AvgPool(WindowPool):
    kind = "avgpool"
    description = "Each unit is the average of a small window of its own map: the map shrinks and smooths."

    def forward(self, x, params, mode):
        s = self.spec
        return avgpool_forward(x, s.kernel, s.stride, s.padding)

    def backward(self, dout, cache, need_dx=True):
        return avgpool_backward(dout, cache), {}

    def explain(self, unit, below, out, params, trace):
        window, origin, in_padding = self.window_of(unit, below, 0.0)
        k = self.spec.kernel
        return {
            "origin": origin, "window": window, "in_padding": in_padding, "kernel": k,
            "stride": self.spec.stride, "padding": self.spec.padding,
            "count": k * k,  # padded cells included
            "mean": float(window.sum(dtype=np.float32) / np.float32(k * k)),
        }
