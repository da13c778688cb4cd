"""normalize: the picture's per-channel normalisation, shown as a step of its own.

The API takes and returns the raw picture in 0..1; a model trained on normalised inputs
starts with this layer: out = (x - mean[c]) / std[c], mean and std per channel in 0..1
units (RGB order for a colour model).
"""

from __future__ import annotations

import numpy as np

from .base import Layer, Reads, register


@register
class Normalize(Layer):
    """Inputs: x (N, C, H, W) in 0..1. Returns: out of the same shape, (x - mean[c]) / std[c]."""

    kind = "normalize"
    description = (
        "The picture shifted and scaled channel by channel to the range the network was trained on: "
        "(value - mean) / standard deviation."
    )

    @classmethod
    def check(cls, spec):
        if spec.mean is None or spec.std is None or len(spec.mean) != len(spec.std):
            raise ValueError(f"layer {spec.name!r}: normalize needs a mean and a std per channel")
        if not all(s > 0 for s in spec.std):
            raise ValueError(f"layer {spec.name!r}: every std must be positive")

    def output_shape(self, in_shape):
        self.needs_maps(in_shape)
        if len(self.spec.mean) != in_shape[0]:
            raise ValueError(f"layer {self.name!r}: {len(self.spec.mean)} means for {in_shape[0]} channels")
        self.scale = (1 / np.asarray(self.spec.std, np.float64)).reshape(1, -1, 1, 1)  # (1, C, 1, 1)
        self.shift = np.asarray(self.spec.mean, np.float64).reshape(1, -1, 1, 1)
        return in_shape

    def reads(self):
        return Reads("same")

    def forward(self, x, params, mode):
        dtype = x.dtype.type
        return (x - self.shift.astype(dtype)) * self.scale.astype(dtype), None

    def backward(self, dout, cache, need_dx=True):
        return dout * self.scale.astype(dout.dtype), {}

    def explain(self, unit, below, out, params, trace):
        c = unit[0]
        return {"channel": int(c), "input": float(below[unit]), "mean": self.spec.mean[c], "std": self.spec.std[c]}
