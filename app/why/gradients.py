"""The backward pass from one class's score (the logit before softmax) to the input, and to
any layer's output, for images at inference.

Training folds the final softmax into its loss; here the softmax is left out altogether, so the
gradient is that of the logit itself, as saliency methods define it. Every layer's own backward
is reused: no kind is named here.
"""

from __future__ import annotations

import numpy as np

from ..nn.network import Network


def score_layers(network: Network) -> list:
    """The layers up to the logits: all but a final softmax."""
    layers = network.layers
    return layers[:-1] if layers[-1].folds_into_loss else list(layers)


def forward_cached(network: Network, x: np.ndarray, params: dict | None = None):
    """Inputs: x (N, C, H, W). Returns: logits (N, K), each layer's output and cache."""
    params = network.params if params is None else params
    a = x
    outputs, caches = [], []
    for layer in score_layers(network):
        a, cache = layer.forward(a, params, "infer")
        outputs.append(a)
        caches.append(cache)
    return a, outputs, caches


def logits(network: Network, x: np.ndarray, params: dict | None = None) -> np.ndarray:
    """Inputs: x (N, C, H, W). Returns: logits (N, K), keeping no caches (for large batches)."""
    params = network.params if params is None else params
    a = x
    for layer in score_layers(network):
        a = layer.forward(a, params, "infer")[0]
    return a


def backward_to(network: Network, caches: list, dlogits: np.ndarray, stop: int = -1) -> np.ndarray:
    """The gradient carried down from the logits to the output of layer ``stop`` (index into
    score_layers), or to the input for stop = -1. dlogits (N, K): the seed, e.g. a one-hot row."""
    layers = score_layers(network)
    dout = dlogits
    for i in range(len(layers) - 1, stop, -1):
        dout = layers[i].input_gradient(dout, caches[i])  # no parameter gradients: none is used
    return dout


def one_hot(n: int, k: int, cls, dtype) -> np.ndarray:
    seed = np.zeros((n, k), dtype)
    seed[np.arange(n), cls] = 1
    return seed


def input_gradient(network: Network, x: np.ndarray, cls: int | None, params: dict | None = None):
    """d logit[cls] / d input for one image x (C, H, W); cls None: the class this forward pass
    answers (one pass serves both). Returns: (gradient (C, H, W), logits (K,))."""
    logits, _, caches = forward_cached(network, x[None], params)
    cls = int(logits[0].argmax()) if cls is None else cls
    grad = backward_to(network, caches, one_hot(1, logits.shape[1], cls, logits.dtype))
    return grad[0], logits[0]
