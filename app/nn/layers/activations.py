"""relu, leaky_relu, tanh, sigmoid as layers of their own, as other frameworks write them
(beside the activation a conv or dense layer carries fused). Four kinds, one module: each is
a line of maths on top of the same elementwise layer."""

from __future__ import annotations

from .. import functions as fn
from .base import Layer, Reads, register


class Elementwise(Layer):
    """Inputs: x (N, ...). Returns: f(x), same shape; each unit reads the unit under it."""

    def reads(self):
        return Reads("same")

    def forward(self, x, params, mode):
        out = fn.activation_forward(x, self.kind, self.spec.slope)
        return out, (x, out)

    def backward(self, dout, cache, need_dx=True):
        x, out = cache
        return fn.activation_backward(dout, x, out, self.kind, self.spec.slope), {}

    def explain(self, unit, below, out, params, trace):
        return {"function": self.kind, "input": float(below[unit])}


@register
class ReLU(Elementwise):
    kind = "relu"
    description = "Keeps positive values and replaces negative ones by zero: max(0, x)."


@register
class LeakyReLU(Elementwise):
    kind = "leaky_relu"
    description = "Keeps positive values and multiplies negative ones by a small slope, so they are not lost."

    @classmethod
    def check(cls, spec):
        if not spec.slope >= 0:
            raise ValueError(f"layer {spec.name!r}: leaky_relu slope must not be negative")

    def explain(self, unit, below, out, params, trace):
        return {**super().explain(unit, below, out, params, trace), "slope": self.spec.slope}


@register
class Tanh(Elementwise):
    kind = "tanh"
    description = "Squashes every value into -1..1 with the hyperbolic tangent."


@register
class Sigmoid(Elementwise):
    kind = "sigmoid"
    description = "Squashes every value into 0..1: 1 / (1 + e^-x)."
