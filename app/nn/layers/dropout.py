"""dropout: inverted dropout. In training each unit is zeroed with probability `rate` and the
survivors are scaled by 1 / (1 - rate), so that at inference the layer is the identity and
the page shows it as such."""

from __future__ import annotations

import numpy as np

from .base import Layer, Reads, check_mode, register


@register
class Dropout(Layer):
    """Inputs: x (N, ...). Returns: out of the same shape: x itself at inference."""

    kind = "dropout"
    description = (
        "Passes every value through unchanged here. While training it switched off a random "
        "share of the units so the network could not lean on any single one."
    )

    def __init__(self, spec, in_shape):
        super().__init__(spec, in_shape)
        self.rng = np.random.default_rng(0)  # Network.initialise reseeds it

    @classmethod
    def check(cls, spec):
        if not 0 <= spec.rate < 1:
            raise ValueError(f"layer {spec.name!r}: dropout rate must be at least 0 and below 1")

    def reads(self):
        return Reads("same")

    def forward(self, x, params, mode):
        if check_mode(mode) == "infer" or self.spec.rate == 0:
            return x, None
        keep = 1 - self.spec.rate
        mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)  # 0 or 1/keep
        return x * mask, mask

    def backward(self, dout, cache, need_dx=True):
        return (dout if cache is None else dout * cache), {}

    def explain(self, unit, below, out, params, trace):
        return {"input": float(below[unit]), "rate": self.spec.rate, "identity": True}
