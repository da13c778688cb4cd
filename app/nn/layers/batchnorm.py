"""batchnorm: batch normalisation over the channels of maps (N, C, H, W) or the units of a
vector (N, D), as PyTorch's BatchNorm2d and BatchNorm1d.

Training mode normalises with the batch's own mean and (biased) variance and moves the
running averages towards them: running = (1 - momentum) * running + momentum * batch, the
variance unbiased (n / (n - 1)) as PyTorch keeps it. Inference mode uses the running ones,
so one image's answer does not depend on the others in its batch.
"""

from __future__ import annotations

import numpy as np

from .base import Layer, Param, Reads, check_mode, register


@register
class BatchNorm(Layer):
    """Inputs: x (N, C, H, W) or (N, D). Returns: out of the same shape,
    out = gamma * (x - mean) / sqrt(var + eps) + beta, per channel (or unit)."""

    kind = "batchnorm"
    description = (
        "Each map (or unit) is shifted and scaled to a standard range using the average and spread "
        "learnt in training, then stretched by a learnt factor and moved by a learnt offset."
    )

    @classmethod
    def check(cls, spec):
        if not spec.eps > 0 or not 0 <= spec.momentum <= 1:
            raise ValueError(f"layer {spec.name!r}: batchnorm needs eps > 0 and momentum in 0..1")

    def output_shape(self, in_shape):
        if len(in_shape) not in (1, 3):
            raise ValueError(f"layer {self.name!r}: batchnorm needs maps (C, H, W) or a vector (D,)")
        return in_shape

    def params(self):
        c = (self.in_shape[0],)
        return (
            Param("gamma", c, "ones"),
            Param("beta", c, "zeros"),
            Param("running_mean", c, "zeros", trainable=False),
            Param("running_var", c, "ones", trainable=False),
        )

    def reads(self):
        return Reads("same")

    def _axes_and_view(self, x):
        """Axes the statistics run over, and the shape a (C,) vector takes to broadcast against x."""
        if x.ndim == 4:
            return (0, 2, 3), (1, -1, 1, 1)
        return (0,), (1, -1)

    def forward(self, x, params, mode):
        axes, view = self._axes_and_view(x)
        gamma = params[self.key("gamma")]
        if check_mode(mode) == "train":
            mean = x.mean(axis=axes)  # (C,)
            var = x.var(axis=axes)  # (C,), biased: the batch normalises itself with it
            n = x.size // mean.size
            momentum = self.spec.momentum
            running_mean, running_var = params[self.key("running_mean")], params[self.key("running_var")]
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += momentum * var * (n / (n - 1) if n > 1 else 1.0)
        else:
            mean, var = params[self.key("running_mean")], params[self.key("running_var")]
        inv_std = (1 / np.sqrt(var + self.spec.eps)).astype(x.dtype)  # (C,)
        xhat = (x - mean.reshape(view)) * inv_std.reshape(view)
        out = xhat * gamma.reshape(view) + params[self.key("beta")].reshape(view)
        return out, (xhat, inv_std, gamma, mode)

    def backward(self, dout, cache, need_dx=True):
        xhat, inv_std, gamma, mode = cache
        axes, view = self._axes_and_view(dout)
        grads = {self.key("gamma"): (dout * xhat).sum(axis=axes), self.key("beta"): dout.sum(axis=axes)}
        if not need_dx:
            return None, grads
        dxhat = dout * gamma.reshape(view)
        if mode == "infer":  # mean and variance are constants
            return dxhat * inv_std.reshape(view), grads
        # Training: the batch's mean and variance depend on every x of the channel too.
        n = dout.size // gamma.size
        total = dxhat.sum(axis=axes, keepdims=True)
        along = (dxhat * xhat).sum(axis=axes, keepdims=True)
        dx = (dxhat - total / n - xhat * (along / n)) * inv_std.reshape(view)
        return dx, grads

    def explain(self, unit, below, out, params, trace):
        c = unit[0]
        mean = float(params[self.key("running_mean")][c])
        var = float(params[self.key("running_var")][c])
        value = float(below[unit])
        std = float(np.sqrt(np.float32(var) + np.float32(self.spec.eps)))
        return {
            "channel": int(c), "input": value, "mean": mean, "var": var, "eps": self.spec.eps, "std": std,
            "normalized": (value - mean) / std,
            "gamma": float(params[self.key("gamma")][c]), "beta": float(params[self.key("beta")][c]),
        }
