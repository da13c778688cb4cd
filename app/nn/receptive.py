"""Receptive fields from the architecture alone.

A unit of a windowed layer (conv or pool) with kernel K, stride S and zero padding P at
output rows y0..y1 reads input rows y0*S - P .. y1*S - P + K - 1; rows outside the input
are padding, which no input pixel reaches, so the range is clipped at every step. A conv
unit reads every input channel, a pool unit only its own. A dense unit reads the whole
vector below it, and a flattened unit is exactly one unit of the map it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from .architecture import CONV, FLATTEN, WINDOWED_KINDS, Architecture

INPUT = "input"


@dataclass(frozen=True)
class Region:
    """What a unit sees in one layer: channels c0..c1 and, for maps, rows y0..y1 and columns
    x0..x1 (all inclusive, in that layer's own coordinates). A vector layer has no rows or
    columns: its units c0..c1 are the region and y0 = y1 = x0 = x1 = 0."""

    layer: str
    c0: int
    c1: int
    y0: int = 0
    x0: int = 0
    y1: int = 0
    x1: int = 0


def _window_back(lo, hi, kernel, stride, pad, size):
    return max(0, lo * stride - pad), min(size - 1, hi * stride - pad + kernel - 1)


def receptive_field(architecture: Architecture, layer: str, channel: int, y: int = 0, x: int = 0) -> list[Region]:
    """The region a unit sees in every layer below it, nearest first, ending at the input.

    ``channel`` is the map (or, for a vector layer, the unit index); y and x its position.
    """
    layers = architecture.layers
    names = [INPUT] + [spec.name for spec in layers]
    shapes = [tuple(architecture.input_shape)] + architecture.output_shapes()
    i = architecture.index(layer) + 1  # position in names/shapes
    shape = shapes[i]
    if not 0 <= channel < shape[0] or (len(shape) == 3 and not (0 <= y < shape[1] and 0 <= x < shape[2])):
        raise IndexError(f"unit ({channel}, {y}, {x}) is outside {layer} of shape {shape}")
    c0, c1, y0, y1, x0, x1 = channel, channel, y, y, x, x
    regions = []
    for j in range(i, 0, -1):
        spec, below = layers[j - 1], shapes[j - 1]
        if spec.kind in WINDOWED_KINDS:
            pad = spec.padding if spec.kind == CONV else 0
            y0, y1 = _window_back(y0, y1, spec.kernel, spec.stride, pad, below[1])
            x0, x1 = _window_back(x0, x1, spec.kernel, spec.stride, pad, below[2])
            if spec.kind == CONV:
                c0, c1 = 0, below[0] - 1
        elif spec.kind == FLATTEN:
            # Flattened index i is unit (i // (H*W), (i // W) % H, i % W) of the map below;
            # a run of several indices is bounded by the whole maps it touches.
            _, h, w = below
            if c0 == c1:
                c0, y0, x0 = c0 // (h * w), (c0 // w) % h, c0 % w
                c1, y1, x1 = c0, y0, x0
            else:
                c0, c1 = c0 // (h * w), c1 // (h * w)
                y0, y1, x0, x1 = 0, h - 1, 0, w - 1
        else:  # dense and softmax read their whole input
            c0, c1 = 0, below[0] - 1
            if len(below) == 3:
                y0, y1, x0, x1 = 0, below[1] - 1, 0, below[2] - 1
            else:
                y0 = y1 = x0 = x1 = 0
        regions.append(Region(names[j - 1], c0, c1, y0, x0, y1, x1))
    return regions


def receptive_geometry(architecture: Architecture) -> list[dict | None]:
    """Per layer, in order: how a map unit's window in the input follows from its position.

    Unit row y of a map layer sees input rows y*jump + offset .. y*jump + offset + size - 1
    before clipping (the same for columns); None for layers that are not maps of windows.
    Each windowed layer grows the window by (kernel - 1) steps of the jump below it, moves its
    start back by padding steps, and multiplies the jump by its stride.
    """
    geometry = []
    size, jump, offset = 1, 1, 0  # an input pixel sees itself
    windowed_so_far = True
    for spec in architecture.layers:
        windowed_so_far = windowed_so_far and spec.kind in WINDOWED_KINDS
        if not windowed_so_far:
            geometry.append(None)
            continue
        pad = spec.padding if spec.kind == CONV else 0
        size, offset, jump = size + (spec.kernel - 1) * jump, offset - pad * jump, jump * spec.stride
        geometry.append({"size": size, "jump": jump, "offset": offset})
    return geometry
