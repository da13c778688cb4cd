"""dense: a fully connected layer with a fused activation."""

from __future__ import annotations

import numpy as np

from .. import functions as fn
from .base import Layer, Param, Reads, register
from .fused import check_activation

TOP_CONTRIBUTIONS = 10


@register
class Dense(Layer):
    """Inputs: x (N, D_in). Returns: out (N, D_out) = activation(x @ w + b), w (D_in, D_out)."""

    kind = "dense"
    description = (
        "Each unit multiplies every value below by its own weight, adds them up with a bias: "
        "it weighs all the evidence at once."
    )
    weighted = True
    sends = ("output", "weighted_input")

    @classmethod
    def check(cls, spec):
        if spec.channels < 1:
            raise ValueError(f"layer {spec.name!r}: a dense layer needs a positive number of units")
        check_activation(spec)

    def output_shape(self, in_shape):
        if len(in_shape) != 1:
            raise ValueError(f"layer {self.name!r} needs a vector; add a flatten layer first")
        return (self.spec.channels,)

    def __init__(self, spec, in_shape):
        super().__init__(spec, in_shape)
        self.w_key, self.b_key = self.key("w"), self.key("b")  # looked up on every forward pass

    def params(self):
        return (
            Param("w", (self.in_shape[0], self.spec.channels), "he", decay=True),
            Param("b", (self.spec.channels,), "zeros"),
        )

    def reads(self):
        return Reads("all")

    def forward(self, x, params, mode):
        z, cache = fn.dense_forward(x, params[self.w_key], params[self.b_key])
        act = self.spec.activation
        out = z if act is None else fn.activation_forward(z, act, self.spec.slope)
        return out, (z, out, cache)

    def backward(self, dout, cache, need_dx=True):
        z, out, dense_cache = cache
        if self.spec.activation is not None:
            dout = fn.activation_backward(dout, z, out, self.spec.activation, self.spec.slope)
        dx, dw, db = fn.dense_backward(dout, dense_cache, need_dx)
        return dx, {self.w_key: dw, self.b_key: db}

    def traced(self, cache):
        return cache[0], None

    def explain(self, unit, below, out, params, trace):
        (j,) = unit
        weights = params[self.key("w")][:, j]
        products = below * weights
        top = np.argsort(-np.abs(products), kind="stable")[:TOP_CONTRIBUTIONS]
        return {
            "activation": self.spec.activation, "n_inputs": int(below.size), "inputs": below, "weights": weights,
            "top": [
                {"index": int(t), "input": float(below[t]), "weight": float(weights[t]), "product": float(products[t])}
                for t in top
            ],
            "sum": float(products.sum(dtype=np.float32)), "bias": float(params[self.key("b")][j]),
            "weighted_input": float(trace.weighted_input[j]),
        }
