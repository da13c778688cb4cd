"""What max and average pooling share: a KxK window, a stride and padding (at most K // 2, as
PyTorch requires, so every window holds at least one real value)."""

from __future__ import annotations

import numpy as np

from .base import Layer, Reads


class WindowPool(Layer):
    """Inputs: x (N, C, H, W). Returns: out (N, C, H', W') with H' = 1 + (H + 2*padding - K) // stride."""

    @classmethod
    def check(cls, spec):
        if spec.kernel < 1 or spec.stride < 1:
            raise ValueError(f"layer {spec.name!r}: kernel and stride must be positive")
        if not 0 <= spec.padding <= spec.kernel // 2:
            raise ValueError(f"layer {spec.name!r}: pooling padding must be between 0 and half the kernel")
        if spec.dilation != 1:
            raise ValueError(f"layer {spec.name!r}: pooling has no dilation")

    def output_shape(self, in_shape):
        self.needs_maps(in_shape)
        c, h, w = in_shape
        s = self.spec
        if h + 2 * s.padding < s.kernel or w + 2 * s.padding < s.kernel:
            raise ValueError(f"layer {s.name!r}: kernel larger than its {h}x{w} input")
        return (c, 1 + (h + 2 * s.padding - s.kernel) // s.stride, 1 + (w + 2 * s.padding - s.kernel) // s.stride)

    def reads(self):
        s = self.spec
        return Reads("window", s.kernel, s.stride, s.padding, 1, channels="own")

    def window_of(self, unit, below, fill):
        """Unit (c, y, x)'s window: values (K, K) float32 with padded cells set to `fill`, its
        top-left [y0, x0] in unpadded coordinates (negative inside the padding), and a (K, K)
        uint8 mask of the padded cells."""
        ch, oy, ox = unit
        k, st, p = self.spec.kernel, self.spec.stride, self.spec.padding
        y0, x0 = oy * st - p, ox * st - p
        _, h, w = below.shape
        window = np.full((k, k), fill, np.float32)
        in_padding = np.ones((k, k), np.uint8)
        ys, xs = slice(max(y0, 0), min(y0 + k, h)), slice(max(x0, 0), min(x0 + k, w))
        py, px = slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0)
        window[py, px] = below[ch, ys, xs]
        in_padding[py, px] = 0
        return window, [y0, x0], in_padding
