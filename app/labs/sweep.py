"""The Transform lab's chart: the prediction over a sweep of each transform, in one batch.

Four axes, each swept with the others held at the request's base transform: dx and dy
-8..8 px in steps of 1 (17 each), rotate -60..60 degrees in steps of 5 (25), scale 0.5..1.5
in steps of 0.1 (11): 70 settings. All inputs are built by one gather and go through the
network as one batch, so the answer costs one forward pass rather than 70.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .transform import Transform, apply_many

AXES = {
    "dx": [float(v) for v in range(-8, 9)],
    "dy": [float(v) for v in range(-8, 9)],
    "rotate": [float(v) for v in range(-60, 61, 5)],
    "scale": [round(0.5 + 0.1 * i, 1) for i in range(11)],
}


def settings(base: Transform) -> list[tuple[str, float, Transform]]:
    """(axis, value, transform) for every point of the sweep, axis by axis."""
    return [(axis, v, replace(base, **{axis: v})) for axis, values in AXES.items() for v in values]


def sweep(network, x: np.ndarray, base: Transform, params=None, masks=None) -> dict:
    """x (C, H, W) -> per axis: values, predicted class, its probability, all probabilities."""
    points = settings(base)
    batch = apply_many(x, [t for _, _, t in points])  # (N, C, H, W)
    probs = network.forward(batch, "infer", params, masks)  # (N, K), the softmax's output
    result = {}
    for i, (axis, value, _) in enumerate(points):
        entry = result.setdefault(axis, {"values": [], "predicted": [], "probability": [], "probabilities": []})
        label = int(probs[i].argmax())
        entry["values"].append(value)
        entry["predicted"].append(label)
        entry["probability"].append(round(float(probs[i, label]), 4))
        entry["probabilities"].append([round(float(p), 4) for p in probs[i]])
    return {"settings": len(points), "axes": result}
