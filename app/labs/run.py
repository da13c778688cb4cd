"""A trace with the lab's settings: the input transformed, the network edited, for one request."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .edits import Edits
from .equivariance import equivariance
from .transform import Transform, apply_transform


@dataclass
class Lab:
    """What one request changes: edits to the network and a transform of its input."""

    edits: Edits = field(default_factory=Edits)
    transform: Transform | None = None

    def __bool__(self) -> bool:
        return bool(self.edits) or self.transform is not None


def trace_lab(network, x: np.ndarray, lab: Lab):
    """Returns: the input the network saw (transformed), its trace with the edits, and the
    per-layer equivariance against the untransformed input (None without a transform)."""
    params = lab.edits.params(network)
    masks = lab.edits.masks
    if lab.transform is None:
        return x, network.trace(x, params, masks), None
    moved = apply_transform(x, lab.transform)
    traces = network.trace(moved, params, masks)
    still = network.trace(x, params, masks)
    return moved, traces, equivariance(network, lab.transform, moved, x, traces, still)
