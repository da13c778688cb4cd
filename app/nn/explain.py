"""The exact arithmetic behind one unit: what it read, what it multiplied, what it added.

Works from a trace (float32, the values the network computed) and the parameters, and
returns plain numbers and arrays; turning them into JSON is the API's business. Each layer
kind writes its own arithmetic (``Layer.explain`` in ``app/nn/layers``).
"""

from __future__ import annotations

import numpy as np

from .network import LayerTrace, Network


def explain_unit(network: Network, x: np.ndarray, traces: list[LayerTrace], layer: str, unit: tuple[int, ...],
                 params: dict | None = None) -> dict:
    """Inputs: the network, its input x (C, H, W), the trace of x, a layer name and a unit:
    (channel, y, x) in a map layer or (index,) in a vector layer. Raises IndexError if the
    unit lies outside the layer. ``params`` replaces the network's own (an edited copy)."""
    arch = network.architecture
    i = arch.index(layer)
    item = network.layers[i]
    below = x if i == 0 else traces[i - 1].output
    below_name = "input" if i == 0 else arch.layers[i - 1].name
    out = traces[i].output
    if len(unit) != out.ndim or any(not 0 <= u < s for u, s in zip(unit, out.shape)):
        raise IndexError(f"unit {list(unit)} is outside {layer}, whose shape is {list(out.shape)}")
    result = {"layer": layer, "kind": item.kind, "input_layer": below_name, "output": float(out[unit])}
    result.update(item.explain(unit, below, out, network.params if params is None else params, traces[i]))
    return result
