"""Receptive fields from the architecture alone.

Each layer kind declares how its units read the layer below (``layers.Reads``); this module
turns those declarations into regions. A window (kernel K, stride S, padding P, dilation D)
maps output rows y0..y1 to input rows y0*S - P .. y1*S - P + D*(K - 1); rows outside the
input are padding, which no input pixel reaches, so the range is clipped at every step. A
window reads every channel below or only its own; an elementwise layer reads the unit under
it; a global pool its own whole map; a flattened unit is exactly one unit of the map below;
a dense unit reads everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .architecture import Architecture
from .layers import UnknownKindError

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


def _window_back(lo, hi, reads, size):
    reach = reads.dilation * (reads.kernel - 1)
    return max(0, lo * reads.stride - reads.padding), min(size - 1, hi * reads.stride - reads.padding + reach)


def region_below(reads, box: tuple[int, ...], below: tuple[int, ...]) -> tuple[int, ...]:
    """(c0, c1, y0, y1, x0, x1) of a unit's region in a layer -> its region in the layer below,
    whose shape is `below`; raises UnknownKindError for a geometry type it does not know."""
    c0, c1, y0, y1, x0, x1 = box
    whole = (0, below[1] - 1, 0, below[2] - 1) if len(below) == 3 else (0, 0, 0, 0)
    if reads.type == "window":
        y0, y1 = _window_back(y0, y1, reads, below[1])
        x0, x1 = _window_back(x0, x1, reads, below[2])
        if reads.channels == "all":
            c0, c1 = 0, below[0] - 1
        return c0, c1, y0, y1, x0, x1
    if reads.type == "same":
        return box
    if reads.type == "channel":  # unit c of the vector is map c below, whole
        return (c0, c1, *whole)
    if reads.type == "flatten":
        if len(below) == 1:
            return box
        # Flattened index i is unit (i // (H*W), (i // W) % H, i % W) of the map below;
        # a run of several indices is bounded by the whole maps it touches.
        _, h, w = below
        if c0 == c1:
            c, y, x = c0 // (h * w), (c0 // w) % h, c0 % w
            return c, c, y, y, x, x
        return (c0 // (h * w), c1 // (h * w), *whole)
    if reads.type == "all":
        return (0, below[0] - 1, *whole)
    raise UnknownKindError(f"unknown receptive geometry {reads.type!r}")


def receptive_field(architecture: Architecture, layer: str, channel: int, y: int = 0, x: int = 0) -> list[Region]:
    """The region a unit sees in every layer below it, nearest first, ending at the input.

    ``channel`` is the map (or, for a vector layer, the unit index); y and x its position.
    """
    built = architecture.build()
    names = [INPUT] + [item.name for item in built]
    shapes = [tuple(architecture.input_shape)] + [item.out_shape for item in built]
    i = architecture.index(layer) + 1  # position in names/shapes
    shape = shapes[i]
    if not 0 <= channel < shape[0] or (len(shape) == 3 and not (0 <= y < shape[1] and 0 <= x < shape[2])):
        raise IndexError(f"unit ({channel}, {y}, {x}) is outside {layer} of shape {shape}")
    box = (channel, channel, y, y, x, x) if len(shape) == 3 else (channel, channel, 0, 0, 0, 0)
    regions = []
    for j in range(i, 0, -1):
        box = region_below(built[j - 1].reads(), box, shapes[j - 1])
        c0, c1, y0, y1, x0, x1 = box
        regions.append(Region(names[j - 1], c0, c1, y0, x0, y1, x1))
    return regions


def receptive_geometry(architecture: Architecture) -> list[dict | None]:
    """Per layer, in order: how a map unit's window in the input follows from its position.

    Unit row y of a map layer sees input rows y*jump + offset .. y*jump + offset + size - 1
    before clipping (the same for columns); None once a layer is not a map of windows.
    Each window grows the window by D*(kernel - 1) steps of the jump below it, moves its
    start back by padding steps, and multiplies the jump by its stride; an elementwise layer
    keeps it as it is.
    """
    geometry = []
    size, jump, offset = 1, 1, 0  # an input pixel sees itself
    windowed_so_far = True
    for item in architecture.build():
        reads = item.reads()
        windowed_so_far = windowed_so_far and len(item.out_shape) == 3 and reads.type in ("window", "same")
        if not windowed_so_far:
            geometry.append(None)
            continue
        if reads.type == "window":
            size = size + reads.dilation * (reads.kernel - 1) * jump
            offset, jump = offset - reads.padding * jump, jump * reads.stride
        geometry.append({"size": size, "jump": jump, "offset": offset})
    return geometry
