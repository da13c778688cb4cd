"""dense: a fully connected layer with a fused activation."""

from __future__ import annotations

import numpy as np

from .. import functions as fn
from .base import Reads, Weighted, register
from .fused import check_activation

TOP_CONTRIBUTIONS = 10


@register
class Dense(Weighted):
    """Inputs: x (N, D_in). Returns: out (N, D_out) = activation(x @ w + b), w (D_in, D_out)."""

    kind = "dense"
    description = (
        "Each unit multiplies every value below by its own weight, adds them up with a bias: "
        "it weighs all the evidence at once."
    )

    @classmethod
    def check(cls, spec):
        if spec.channels < 1:
            raise ValueError(f"layer {spec.name!r}: a dense layer needs a positive number of units")
        check_activation(spec)

    def output_shape(self, in_shape):
        if len(in_shape) != 1:
            raise ValueError(f"layer {self.name!r} needs a vector; add a flatten layer first")
        return (self.spec.channels,)

    def weight_shape(self):
        return (self.in_shape[0], self.spec.channels)

    def reads(self):
        return Reads("all")

    def linear_forward(self, x, w, b):
        return fn.dense_forward(x, w, b)

    def linear_single(self, x, w, b):
        z = np.dot(x, w)  # (D_out,): a vector-matrix product, no batch axis to add and take off
        z += b
        return z

    def linear_backward(self, dz, cache, need_dx):
        return fn.dense_backward(dz, cache, need_dx)

    def linear_input_gradient(self, dz, cache):
        return dz @ cache[1].T  # (N, D_out) @ (D_out, D_in)

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
