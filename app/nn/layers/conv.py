"""conv: 2-D convolution (cross-correlation) with a fused activation, by im2col (app/nn/conv.py)."""

from __future__ import annotations

import threading

import numpy as np

from ..conv import WORKSPACE_LIMIT, SingleConv, conv2d_backward, conv2d_forward, conv2d_input_gradient
from .base import Reads, Weighted, register
from .fused import check_activation


@register
class Conv(Weighted):
    """Inputs: x (N, C, H, W). Returns: out (N, F, H', W') with
    H' = 1 + (H + 2*padding - dilation*(KH - 1) - 1) // stride, after the activation."""

    kind = "conv"
    description = (
        "Each map slides one small filter over every map below, multiplying and adding the values "
        "under it, plus a bias: a map lights up where its pattern appears."
    )

    def __init__(self, spec, in_shape):
        super().__init__(spec, in_shape)
        self._kept = threading.local()  # per thread: the SingleConv of the last shape traced

    @classmethod
    def check(cls, spec):
        if spec.channels < 1:
            raise ValueError(f"layer {spec.name!r}: a conv layer needs a positive number of channels")
        if spec.kernel < 1 or spec.stride < 1 or spec.dilation < 1 or spec.padding < 0:
            raise ValueError(f"layer {spec.name!r}: kernel, stride and dilation must be positive, padding not negative")
        check_activation(spec)

    def output_shape(self, in_shape):
        self.needs_maps(in_shape)
        c, h, w = in_shape
        s = self.spec
        reach = s.dilation * (s.kernel - 1) + 1  # rows one window spans
        ho = 1 + (h + 2 * s.padding - reach) // s.stride
        wo = 1 + (w + 2 * s.padding - reach) // s.stride
        if h + 2 * s.padding < reach or w + 2 * s.padding < reach:
            raise ValueError(f"layer {s.name!r}: kernel larger than its {h}x{w} input")
        return (s.channels, ho, wo)

    def weight_shape(self):
        s = self.spec
        return (s.channels, self.in_shape[0], s.kernel, s.kernel)

    def reads(self):
        s = self.spec
        return Reads("window", s.kernel, s.stride, s.padding, s.dilation, channels="all")

    def linear_forward(self, x, w, b):
        s = self.spec
        return conv2d_forward(x, w, b, s.stride, s.padding, s.dilation)

    def linear_single(self, x, w, b):
        s = self.spec
        if s.stride != 1:
            return super().linear_single(x, w, b)  # the full-width patches need stride 1
        kept = self._kept
        key = (x.shape, w.shape, x.dtype, w.dtype)
        if getattr(kept, "key", None) != key:
            # Keyed on shapes and types only: the weights are arguments of every call, never kept.
            conv = SingleConv(x.shape, w.shape, np.result_type(x, w), s.padding, s.dilation)
            if conv.nbytes > WORKSPACE_LIMIT:
                return conv(x, w, b)  # a large layer: its buffers are not worth keeping
            kept.conv, kept.key = conv, key
        return kept.conv(x, w, b)

    def linear_backward(self, dz, cache, need_dx):
        return conv2d_backward(dz, cache, need_dx)

    def linear_input_gradient(self, dz, cache):
        return conv2d_input_gradient(dz, cache)

    def explain(self, unit, below, out, params, trace):
        f, oy, ox = unit
        s = self.spec
        k, st, p, d = s.kernel, s.stride, s.padding, s.dilation
        y0, x0 = oy * st - p, ox * st - p  # top-left of the window, in the unpadded input
        c, h, w = below.shape
        patch = np.zeros((c, k, k), np.float32)
        in_padding = np.ones((k, k), np.uint8)
        for ky in range(k):  # k <= a few: tap by tap, so dilation needs no special case
            for kx in range(k):
                yy, xx = y0 + ky * d, x0 + kx * d
                if 0 <= yy < h and 0 <= xx < w:
                    patch[:, ky, kx] = below[:, yy, xx]
                    in_padding[ky, kx] = 0
        kernel = params[self.key("w")][f]
        products = patch * kernel
        return {
            "activation": s.activation, "stride": st, "padding": p, "dilation": d, "origin": [y0, x0],
            "patch": patch, "in_padding": in_padding, "kernel": kernel, "products": products,
            "sum": float(products.sum(dtype=np.float32)), "bias": float(params[self.key("b")][f]),
            "weighted_input": float(trace.weighted_input[unit]),
        }

