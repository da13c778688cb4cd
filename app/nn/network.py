"""A network = an Architecture plus its parameters; forward, backward and the full trace.

Every method walks ``architecture.layers`` and dispatches on the layer kind: no layer is
named in code, so any architecture built from the supported kinds runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import functions as fn
from .architecture import AVGPOOL, CONV, DENSE, FLATTEN, MAXPOOL, SOFTMAX, Architecture
from .conv import conv2d_backward, conv2d_forward
from .pool import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward

DTYPE = np.float32


@dataclass
class LayerTrace:
    """What one layer did to one image. ``weighted_input`` is the pre-activation of conv and
    dense layers; ``argmax`` the winner's flat window index (ky*K + kx) of each max-pool unit."""

    name: str
    kind: str
    output: np.ndarray  # (F, H', W') or (D,)
    weighted_input: np.ndarray | None = None
    argmax: np.ndarray | None = None


class Network:
    def __init__(self, architecture: Architecture, params: dict[str, np.ndarray]):
        expected = architecture.param_shapes()
        if set(params) != set(expected):
            raise ValueError(f"parameters {sorted(params)} do not match {sorted(expected)}")
        for key, shape in expected.items():
            if tuple(params[key].shape) != shape:
                raise ValueError(f"{key} has shape {params[key].shape}, expected {shape}")
        self.architecture = architecture
        self.params = {k: np.ascontiguousarray(v, dtype=DTYPE) for k, v in params.items()}

    @classmethod
    def initialise(cls, architecture: Architecture, seed: int = 0) -> Network:
        """He-normal weights (suited to ReLU), zero biases."""
        rng = np.random.default_rng(seed)
        params = {}
        for key, shape in architecture.param_shapes().items():
            if key.endswith(".b"):
                params[key] = np.zeros(shape, DTYPE)
            else:
                fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
                params[key] = rng.normal(0, np.sqrt(2 / fan_in), shape).astype(DTYPE)
        return cls(architecture, params)

    # -- one layer at a time -------------------------------------------------------------
    def _layer_forward(self, spec, x):
        """Returns (output, weighted_input, cache) of one layer for a batch x."""
        p = self.params
        if spec.kind == CONV:
            z, cache = conv2d_forward(x, p[f"{spec.name}.w"], p[f"{spec.name}.b"], spec.stride, spec.padding)
        elif spec.kind == DENSE:
            z, cache = fn.dense_forward(x, p[f"{spec.name}.w"], p[f"{spec.name}.b"])
        elif spec.kind == MAXPOOL:
            out, cache = maxpool_forward(x, spec.kernel, spec.stride)
            return out, None, cache
        elif spec.kind == AVGPOOL:
            out, cache = avgpool_forward(x, spec.kernel, spec.stride)
            return out, None, cache
        elif spec.kind == FLATTEN:
            return x.reshape(x.shape[0], -1), None, x.shape  # (N, C*H*W)
        elif spec.kind == SOFTMAX:
            out = fn.softmax_forward(x)
            return out, None, out
        if spec.activation is None:
            return z, z, cache
        return fn.activation_forward(z, spec.activation), z, cache

    def _layer_backward(self, spec, dout, z, a, cache, grads, need_dx):
        if spec.kind in (CONV, DENSE):
            if spec.activation is not None:
                dout = fn.activation_backward(dout, z, a, spec.activation)
            backward = conv2d_backward if spec.kind == CONV else fn.dense_backward
            dx, grads[f"{spec.name}.w"], grads[f"{spec.name}.b"] = backward(dout, cache, need_dx)
            return dx
        if spec.kind == MAXPOOL:
            return maxpool_backward(dout, cache)
        if spec.kind == AVGPOOL:
            return avgpool_backward(dout, cache)
        if spec.kind == FLATTEN:
            return dout.reshape(cache)
        return fn.softmax_backward(dout, cache)

    # -- whole network -------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Inputs: x (N, C, H, W). Returns: the last layer's output (N, K)."""
        x = np.asarray(x, dtype=DTYPE)
        for spec in self.architecture.layers:
            x = self._layer_forward(spec, x)[0]
        return x

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class index of every image in x (N, C, H, W), computed in batches."""
        return np.concatenate(
            [self.forward(x[i : i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
        )

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray):
        """Cross-entropy of the network on a batch and the gradient of every parameter.

        A final softmax layer is folded into the loss (softmax + cross-entropy has the simple
        gradient p - onehot). Returns: loss, grads {param name: array}, probabilities (N, K).
        """
        layers = self.architecture.layers
        if layers[-1].kind == SOFTMAX:
            layers = layers[:-1]
        records = []
        a = np.asarray(x, dtype=DTYPE)
        for spec in layers:
            out, z, cache = self._layer_forward(spec, a)
            records.append((spec, z, out, cache))
            a = out
        loss, dout, probs = fn.cross_entropy(a, labels)
        grads: dict[str, np.ndarray] = {}
        for i in range(len(records) - 1, -1, -1):
            spec, z, out, cache = records[i]
            # The input needs no gradient: skipping it saves the first layer's col2im.
            dout = self._layer_backward(spec, dout, z, out, cache, grads, need_dx=i > 0)
        return loss, grads, probs

    def trace(self, x: np.ndarray) -> list[LayerTrace]:
        """Every intermediate result for one image x (C, H, W), in layer order."""
        a = np.asarray(x, dtype=DTYPE)[None]  # (1, C, H, W)
        traces = []
        for spec in self.architecture.layers:
            out, z, cache = self._layer_forward(spec, a)
            traces.append(
                LayerTrace(
                    name=spec.name,
                    kind=spec.kind,
                    output=out[0],
                    weighted_input=z[0] if spec.kind in (CONV, DENSE) else None,
                    argmax=cache[1][0] if spec.kind == MAXPOOL else None,
                )
            )
            a = out
        return traces
