"""The compact trace: only what a page cannot work out for itself.

A full trace sends every layer's output beside its weighted input, about 13 KB gzipped. Most
of it follows from a little: a conv or dense layer's output is its activation applied to the
weighted input, a pool's output is the max or mean of the layer below, flatten is a reshape,
softmax follows from the logits. So a compact trace sends the weighted input of conv and
dense layers as float16 (the page shows three significant digits), the logits as float32
(probabilities to three digits need more than float16 keeps), and the 8-bit input. The page
derives the rest (static/js/derive.js).

The first layer, when it is a conv reading the input, is not sent at all: it is the one
layer whose every input the page already holds (the bytes it sent, and the weights it loads
once), and at 4,704 numbers it would be well over half of what a compact trace weighs. The
page works it out in float32 (`from_weights` names it).

One thing does not follow exactly: which input won a max-pool window. The page picks it
among float16 values, where two float32 values a hair apart can tie; the few windows where
that pick differs from the server's are sent as exceptions, so the page highlights the same
winner a full trace names.
"""

from __future__ import annotations

import numpy as np

from ..models import Model
from ..nn import functions as fn
from ..nn.architecture import AVGPOOL, CONV, DENSE, FLATTEN, MAXPOOL, SOFTMAX
from ..nn.network import LayerTrace
from ..nn.pool import avgpool_forward, maxpool_forward
from .tensors import encode


DERIVABLE = {CONV, MAXPOOL, AVGPOOL, FLATTEN, DENSE, SOFTMAX}


def supports_compact(model: Model) -> bool:
    """Whether the page can derive this model's trace from a compact one: a chain of the kinds
    derive.js knows (conv, unpadded pooling, flatten, dense, softmax), ending in softmax. Any
    other model is answered with the full trace, which says so in its `detail`."""
    layers = model.architecture.layers
    return layers[-1].kind == SOFTMAX and all(
        spec.kind in DERIVABLE and not getattr(spec, "padding", 0) * (spec.kind in (MAXPOOL, AVGPOOL))
        and getattr(spec, "dilation", 1) == 1
        for spec in layers
    )


def logits_layer(traces: list[LayerTrace]) -> int:
    """Index of the last conv or dense layer: its weighted input travels as float32."""
    return max(i for i, t in enumerate(traces) if t.kind in (CONV, DENSE))


def from_weights(model: Model) -> list[str]:
    """The layers a page computes itself from the input and the weights: a first conv layer."""
    first = model.architecture.layers[0]
    return [first.name] if first.kind == CONV else []


def _maxpool_picks(x: np.ndarray, kernel: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs: x (C, H, W). Returns: the max of each window (C, H', W') and the flat index
    ky*K + kx of its first maximum, as maxpool_forward gives them.

    Windows that tile the map (stride K, LeNet's 2x2 pools) are a reshape of it, so their
    picks take one argmax over a short axis (a third of the time on this per-request path);
    other windows go through the engine's pooling."""
    c, h, w = x.shape
    ho, wo = 1 + (h - kernel) // stride, 1 + (w - kernel) // stride
    if stride != kernel:
        pooled, cache = maxpool_forward(x[None], kernel, stride)
        return pooled[0], cache[1][0]
    tiles = x[:, : ho * kernel, : wo * kernel].reshape(c, ho, kernel, wo, kernel)  # (C, H', K, W', K)
    windows = tiles.transpose(0, 1, 3, 2, 4).reshape(c, ho, wo, kernel * kernel)  # (C, H', W', K*K)
    picks = windows.argmax(axis=-1)  # (C, H', W'): the first of equal maxima
    return np.take_along_axis(windows, picks[..., None], axis=-1)[..., 0], picks


def argmax_exceptions(model: Model, traces: list[LayerTrace]) -> dict[str, list[list[int]]]:
    """{pool name: [[flat unit index, winner], ...]} where the page's pick would differ.

    Follows the maps as the page derives them: float16 weighted inputs with float32 maths,
    except where the page has the server's own float32 values (a layer worked out from the
    weights, and pools of it), where its picks cannot differ and nothing is recomputed.
    """
    exact = [*from_weights(model), traces[logits_layer(traces)].name]  # float32 on the page
    out: dict[str, list[list[int]]] = {}
    below = None  # the page's values of the layer below; None where they are the server's own
    for spec, t in zip(model.architecture.layers, traces):
        if t.kind in (CONV, DENSE):
            if spec.name in exact or t.kind == DENSE:  # (no pool can follow a dense layer's vector)
                below = None
            else:
                z = t.weighted_input.astype(np.float16).astype(np.float32)
                below = z if spec.activation is None else fn.activation_forward(z, spec.activation)
        elif t.kind == MAXPOOL and below is not None:
            pooled, page_pick = _maxpool_picks(below, spec.kernel, spec.stride)
            truth = t.argmax.reshape(-1)
            differ = np.flatnonzero(page_pick.reshape(-1) != truth)
            if differ.size:
                out[t.name] = [[int(k), int(truth[k])] for k in differ]
            below = pooled
        elif t.kind == AVGPOOL and below is not None:
            below = avgpool_forward(below[None], spec.kernel, spec.stride)[0][0]
        elif t.kind == FLATTEN and below is not None:
            below = below.reshape(-1)
    return out


def compact_trace_response(model: Model, x: np.ndarray, traces: list[LayerTrace]) -> dict:
    last = logits_layer(traces)
    computed = from_weights(model)
    halves = [t for i, t in enumerate(traces) if t.kind in (CONV, DENSE) and i != last and t.name not in computed]
    weighted = {t.name: encode(t.weighted_input, "float16") for t in halves}  # (a few arrays: one call each)
    weighted[traces[last].name] = encode(traces[last].weighted_input, "float32")
    return {
        "model": model.id,
        "detail": "compact",
        "label": int(traces[-1].output.argmax()),
        "input": encode(np.round(x * 255), "uint8"),
        "weighted_inputs": weighted,
        "from_weights": computed,
        "argmax_exceptions": argmax_exceptions(model, traces),
    }
