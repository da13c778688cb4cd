"""One or more small layers of every registered kind, with the naive twin each is held to.

``CASES`` maps a case id to (spec, input shape without the batch axis). ``twin(layer, x,
params, mode)`` computes the layer's output from tests/nn/reference.py loops alone.
"""

from __future__ import annotations

import math

import numpy as np

from app.nn.architecture import LayerSpec
from app.nn.layers import layer_class

from . import reference as ref

CASES = {
    "conv": (LayerSpec("l", "conv", channels=3, kernel=3, stride=1, padding=1, activation="relu"), (2, 6, 5)),
    "conv-dilated": (
        LayerSpec("l", "conv", channels=2, kernel=3, stride=2, padding=2, dilation=2, activation="tanh"),
        (2, 9, 8),
    ),
    "maxpool": (LayerSpec("l", "maxpool", kernel=2, stride=2), (2, 6, 6)),
    "maxpool-padded": (LayerSpec("l", "maxpool", kernel=3, stride=2, padding=1), (2, 7, 6)),
    "avgpool-padded": (LayerSpec("l", "avgpool", kernel=3, stride=2, padding=1), (2, 7, 6)),
    "globalavgpool": (LayerSpec("l", "globalavgpool"), (3, 4, 5)),
    "flatten": (LayerSpec("l", "flatten"), (2, 3, 4)),
    "dense": (LayerSpec("l", "dense", channels=4, activation="sigmoid"), (6,)),
    "dense-leaky": (LayerSpec("l", "dense", channels=3, activation="leaky_relu", slope=0.2), (5,)),
    "softmax": (LayerSpec("l", "softmax"), (5,)),
    "batchnorm-maps": (LayerSpec("l", "batchnorm", momentum=0.2), (3, 4, 5)),
    "batchnorm-vector": (LayerSpec("l", "batchnorm", eps=1e-3), (6,)),
    "dropout": (LayerSpec("l", "dropout", rate=0.5), (2, 3, 4)),
    "relu": (LayerSpec("l", "relu"), (2, 3, 4)),
    "leaky_relu": (LayerSpec("l", "leaky_relu", slope=0.1), (7,)),
    "tanh": (LayerSpec("l", "tanh"), (2, 3, 4)),
    "sigmoid": (LayerSpec("l", "sigmoid"), (2, 3, 4)),
    "normalize": (LayerSpec("l", "normalize", mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)), (3, 4, 5)),
}


def build(case: str):
    spec, in_shape = CASES[case]
    return layer_class(spec.kind)(spec, in_shape)


def random_params(layer, rng, positive=False):
    """float64 parameters: weights in +-1 (or 0.2..1 when positive), batch norm's running
    variance and scale away from zero."""
    params = {}
    for p in layer.params():
        low = 0.2 if positive or p.name in ("running_var", "gamma") else -1.0
        params[layer.key(p.name)] = rng.uniform(low, 1.0, p.shape) if p.name != "running_var" else rng.uniform(0.5, 2.0, p.shape)
    return params


def _fused(values, kind, slope):
    if kind is None:
        return values
    return np.vectorize(lambda v: ref.activation(v, kind, slope))(values)


def twin(layer, x, params, mode="infer"):
    """The layer's output from loops; for batch norm in training, from the batch's own statistics."""
    s, kind = layer.spec, layer.kind
    k = layer.key
    if kind == "conv":
        z = ref.conv2d_dilated(x, params[k("w")], params[k("b")], s.stride, s.padding, s.dilation)
        return _fused(z, s.activation, s.slope)
    if kind in ("maxpool", "avgpool"):
        return ref.pool2d_padded(x, s.kernel, s.stride, s.padding, "max" if kind == "maxpool" else "avg")[0]
    if kind == "globalavgpool":
        return ref.global_avgpool(x)
    if kind == "flatten":
        out = np.zeros((x.shape[0], x[0].size))
        for n in range(x.shape[0]):
            for i, index in enumerate(np.ndindex(*x.shape[1:])):  # C order: last axis fastest
                out[n, i] = x[(n, *index)]
        return out
    if kind == "dense":
        return _fused(ref.dense(x, params[k("w")], params[k("b")]), s.activation, s.slope)
    if kind == "softmax":
        out = np.zeros(x.shape)
        for n in range(x.shape[0]):
            exps = [math.exp(v) for v in x[n]]
            out[n] = [e / sum(exps) for e in exps]
        return out
    if kind == "batchnorm":
        if mode == "train":
            mean, var = ref.channel_stats(x)
        else:
            mean, var = params[k("running_mean")], params[k("running_var")]
        return ref.batchnorm(x, params[k("gamma")], params[k("beta")], mean, var, s.eps)
    if kind == "dropout":
        return x.copy()  # at inference
    if kind in ("relu", "leaky_relu", "tanh", "sigmoid"):
        return _fused(x, kind, s.slope)
    if kind == "normalize":
        return ref.normalize(x, s.mean, s.std)
    raise AssertionError(f"no twin for kind {kind!r}: add one with its tests")
