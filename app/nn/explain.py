"""The exact arithmetic behind one unit: what it read, what it multiplied, what it added.

Works from a trace (float32, the values the network computed) and the parameters, and
returns plain numbers and arrays; turning them into JSON is the API's business.
"""

from __future__ import annotations

import numpy as np

from .architecture import AVGPOOL, CONV, DENSE, FLATTEN, MAXPOOL, SOFTMAX
from .network import LayerTrace, Network

TOP_CONTRIBUTIONS = 10


def explain_unit(network: Network, x: np.ndarray, traces: list[LayerTrace], layer: str, unit: tuple[int, ...]) -> dict:
    """Inputs: the network, its input x (C, H, W), the trace of x, a layer name and a unit:
    (channel, y, x) in a map layer or (index,) in a vector layer. Raises IndexError if the
    unit lies outside the layer."""
    arch = network.architecture
    i = arch.index(layer)
    spec = arch.layers[i]
    below = x if i == 0 else traces[i - 1].output
    below_name = "input" if i == 0 else arch.layers[i - 1].name
    out = traces[i].output
    if len(unit) != out.ndim or any(not 0 <= u < s for u, s in zip(unit, out.shape)):
        raise IndexError(f"unit {list(unit)} is outside {layer}, whose shape is {list(out.shape)}")
    result = {"layer": layer, "kind": spec.kind, "input_layer": below_name, "output": float(out[unit])}

    if spec.kind == CONV:
        f, oy, ox = unit
        k, s, p = spec.kernel, spec.stride, spec.padding
        y0, x0 = oy * s - p, ox * s - p  # top-left of the window, in the unpadded input
        c, h, w = below.shape
        patch = np.zeros((c, k, k), np.float32)
        in_padding = np.ones((k, k), np.uint8)
        ys, xs = slice(max(y0, 0), min(y0 + k, h)), slice(max(x0, 0), min(x0 + k, w))
        py, px = slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0)
        patch[:, py, px] = below[:, ys, xs]
        in_padding[py, px] = 0
        kernel = network.params[f"{layer}.w"][f]
        products = patch * kernel
        total = float(products.sum(dtype=np.float32))
        bias = float(network.params[f"{layer}.b"][f])
        result.update(
            activation=spec.activation, stride=s, padding=p, origin=[y0, x0], patch=patch,
            in_padding=in_padding, kernel=kernel, products=products, sum=total, bias=bias,
            weighted_input=float(traces[i].weighted_input[unit]),
        )
    elif spec.kind in (MAXPOOL, AVGPOOL):
        ch, oy, ox = unit
        k, s = spec.kernel, spec.stride
        window = below[ch, oy * s : oy * s + k, ox * s : ox * s + k]
        result.update(origin=[oy * s, ox * s], window=window, kernel=k, stride=s)
        if spec.kind == MAXPOOL:
            wy, wx = np.unravel_index(int(window.argmax()), window.shape)
            result["winner"] = [oy * s + int(wy), ox * s + int(wx)]
        else:
            result["mean"] = float(window.mean(dtype=np.float32))
    elif spec.kind == FLATTEN:
        ch, sy, sx = np.unravel_index(unit[0], below.shape)
        result["source"] = {"channel": int(ch), "y": int(sy), "x": int(sx)}
    elif spec.kind == DENSE:
        (j,) = unit
        weights = network.params[f"{layer}.w"][:, j]
        products = below * weights
        top = np.argsort(-np.abs(products), kind="stable")[:TOP_CONTRIBUTIONS]
        result.update(
            activation=spec.activation, n_inputs=int(below.size), inputs=below, weights=weights,
            top=[{"index": int(t), "input": float(below[t]), "weight": float(weights[t]), "product": float(products[t])} for t in top],
            sum=float(products.sum(dtype=np.float32)), bias=float(network.params[f"{layer}.b"][j]),
            weighted_input=float(traces[i].weighted_input[j]),
        )
    elif spec.kind == SOFTMAX:
        shift = float(below.max())
        exps = np.exp(below - shift)
        result.update(
            logits=below.tolist(), max_logit=shift, exps=exps.tolist(), sum_exps=float(exps.sum()),
            probabilities=out.tolist(),
        )
    return result
