"""A network = an Architecture plus its parameters; forward, backward and the full trace.

Every method walks the network's layers (objects of ``app/nn/layers``, built once from the
architecture) and calls their forward and backward: no kind is named here, so any
architecture built from the registered kinds runs. The mode is explicit everywhere:
"train" (batch norm with batch statistics and running averages, dropout dropping) or
"infer" (batch norm with its running averages, dropout the identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import functions as fn
from .architecture import Architecture
from .layers import check_mode, initial_value

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
        self.layers = architecture.build()

    @classmethod
    def initialise(cls, architecture: Architecture, seed: int = 0) -> Network:
        """Each parameter as its layer declares it: He-normal weights (suited to ReLU), zero
        biases, batch norm's scale and running variance at one."""
        rng = np.random.default_rng(seed)
        params = {key: initial_value(p, rng, DTYPE) for key, p in architecture.param_decls().items()}
        network = cls(architecture, params)
        network.reseed(seed)
        return network

    def reseed(self, seed: int) -> None:
        """Restart the random streams of layers that draw in training (dropout masks)."""
        for i, layer in enumerate(self.layers):
            if hasattr(layer, "rng"):
                layer.rng = np.random.default_rng([seed, i])

    def decayed_keys(self) -> set[str]:
        """The parameters their layers declare subject to weight decay (weights, not biases)."""
        return {key for key, p in self.architecture.param_decls().items() if p.decay}

    def trainable_keys(self) -> set[str]:
        return {key for key, p in self.architecture.param_decls().items() if p.trainable}

    # -- whole network -------------------------------------------------------------------
    def forward(self, x: np.ndarray, mode: str = "infer", params: dict | None = None, masks: dict | None = None) -> np.ndarray:
        """Inputs: x (N, C, H, W). Returns: the last layer's output (N, K).

        ``params`` replaces the network's own (an edited copy, for one request); ``masks`` maps a
        layer index to an array multiplied into that layer's output as soon as it is computed, so
        every layer above sees an ablated map or unit as zeros."""
        check_mode(mode)
        x = np.asarray(x, dtype=DTYPE)
        params = self.params if params is None else params
        masks = masks or {}
        for i, layer in enumerate(self.layers):
            x = layer.forward(x, params, mode)[0]
            if i in masks:
                x = x * masks[i]
        return x

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class index of every image in x (N, C, H, W), computed in batches at inference."""
        return np.concatenate(
            [self.forward(x[i : i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
        )

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray, mode: str = "train"):
        """Cross-entropy of the network on a batch and the gradient of every trainable parameter.

        A final softmax layer is folded into the loss (softmax + cross-entropy has the simple
        gradient p - onehot). Returns: loss, grads {param name: array}, probabilities (N, K).
        """
        check_mode(mode)
        layers = self.layers
        if layers[-1].folds_into_loss:
            layers = layers[:-1]
        caches = []
        a = np.asarray(x, dtype=DTYPE)
        for layer in layers:
            a, cache = layer.forward(a, self.params, mode)
            caches.append(cache)
        loss, dout, probs = fn.cross_entropy(a, labels)
        grads: dict[str, np.ndarray] = {}
        for i in range(len(layers) - 1, -1, -1):
            # The input needs no gradient: skipping it saves the first layer's col2im.
            dout, layer_grads = layers[i].backward(dout, caches[i], need_dx=i > 0)
            grads.update(layer_grads)
        return loss, grads, probs

    def trace(self, x: np.ndarray, params: dict | None = None, masks: dict | None = None) -> list[LayerTrace]:
        """Every intermediate result for one image x (C, H, W), in layer order, at inference.
        ``params`` and ``masks`` as in ``forward``; a mask zeroes the weighted input too.

        Each layer's ``trace_single`` works without the batch axis: a one-image trace is bound
        by the number of NumPy calls, and adding and taking off that axis would be two more
        per layer."""
        a = np.ascontiguousarray(x, dtype=DTYPE)  # (C, H, W)
        params = self.params if params is None else params
        traces = []
        for i, layer in enumerate(self.layers):
            out, z, argmax = layer.trace_single(a, params)
            if masks and i in masks:
                mask = masks[i][0]  # (C, 1, 1) or (D,)
                out = out * mask
                z = None if z is None else z * mask
            # (name, kind, output, weighted_input, argmax): positional, as keyword arguments make
            # the dataclass constructor four times slower (0.6 us more per layer).
            traces.append(LayerTrace(layer.name, layer.kind, out, z, argmax))
            a = out
        return traces
