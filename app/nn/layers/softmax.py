"""softmax: logits turned into probabilities that add up to 1."""

from __future__ import annotations

import numpy as np

from .. import functions as fn
from .base import Layer, Reads, register


@register
class Softmax(Layer):
    """Inputs: logits (N, K). Returns: probabilities (N, K)."""

    kind = "softmax"
    description = (
        "The scores below turned into chances that add up to 100%: each is e to its score, "
        "divided by the sum over all classes."
    )
    folds_into_loss = True  # training folds it into the cross-entropy: p - onehot

    def output_shape(self, in_shape):
        if len(in_shape) != 1:
            raise ValueError(f"layer {self.name!r} needs a vector of scores; add a flatten or dense layer first")
        return in_shape

    def reads(self):
        return Reads("all")

    def forward(self, x, params, mode):
        out = fn.softmax_forward(x)
        return out, out

    def trace_single(self, x, params):
        return fn.softmax_single(x), None, None

    def backward(self, dout, cache, need_dx=True):
        return fn.softmax_backward(dout, cache), {}

    def explain(self, unit, below, out, params, trace):
        shift = float(below.max())
        exps = np.exp(below - shift)
        return {
            "logits": below.tolist(), "max_logit": shift, "exps": exps.tolist(), "sum_exps": float(exps.sum()),
            "probabilities": out.tolist(),
        }
