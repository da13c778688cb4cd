"""Moving the prepared input: thicken or thin the strokes, scale, rotate, shift.

The order is fixed and documented (docs/api.md): thickness first, on the strokes as drawn;
then scale, then rotate counter-clockwise (as in mathematics and Pillow), both about the
image's centre; then shift (positive dx right, positive dy down). Every output pixel is
read back from the input by the inverse map with bilinear interpolation, zeros (the
background) coming in from outside, and rounded to 8-bit steps as every input is.
A whole sweep of settings is sampled at once: one gather builds the batch of inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SHIFT = 28.0  # pixels; further and nothing is left to see
MAX_ROTATE = 180.0
MIN_SCALE, MAX_SCALE = 0.25, 4.0
MAX_THICKNESS = 2


@dataclass(frozen=True)
class Transform:
    dx: float = 0.0
    dy: float = 0.0
    rotate: float = 0.0  # degrees, counter-clockwise
    scale: float = 1.0
    thickness: int = 0  # 3x3 dilation steps (positive) or erosion steps (negative)

    @property
    def is_identity(self) -> bool:
        return self == Transform()

    @property
    def is_shift(self) -> bool:
        """Only a shift (the case where equivariance compares shifted maps)."""
        return self.rotate == 0 and self.scale == 1 and self.thickness == 0


def thicken(x: np.ndarray, steps: int) -> np.ndarray:
    """x (C, H, W): |steps| rounds of 3x3 grey dilation (max, steps > 0) or erosion (min, steps < 0).
    Outside the image counts as background for dilation and as itself for erosion (edge cells
    are not eaten from outside)."""
    pick = np.maximum if steps > 0 else np.minimum
    for _ in range(abs(steps)):
        mode = {"constant_values": 0} if steps > 0 else {}
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="constant" if steps > 0 else "edge", **mode)
        h, w = x.shape[1:]
        out = padded[:, 1 : h + 1, 1 : w + 1]
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                out = pick(out, padded[:, dy : dy + h, dx : dx + w])
        x = out
    return x


def _source_coords(transforms: list[Transform], h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """For every output pixel of every transform, where it comes from in the input: rows and
    cols, each (N, H, W), all transforms at once."""
    cy, cx = (h - 1) / 2, (w - 1) / 2
    dx, dy, angle, scale = (np.array([getattr(t, k) for t in transforms], np.float64)[:, None, None]
                            for k in ("dx", "dy", "rotate", "scale"))  # each (N, 1, 1)
    yy, xx = np.arange(h, dtype=np.float64)[:, None], np.arange(w, dtype=np.float64)[None, :]  # (H, 1), (1, W)
    u, v = xx - cx - dx, yy - cy - dy  # undo the shift: (N, 1, W) and (N, H, 1)
    a = np.deg2rad(angle)
    c, s = np.cos(a) / scale, np.sin(a) / scale
    # forward (y down): x' = s(u cos + v sin), y' = s(-u sin + v cos); its inverse:
    return u * s + v * c + cy, u * c - v * s + cx  # (N, H, W) each


def _bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """x (C, H, W) sampled at (rows, cols) of any shape S: (C, *S), zeros outside."""
    c, h, w = x.shape
    padded = np.zeros((c, h + 2, w + 2), np.float64)
    padded[:, 1:-1, 1:-1] = x
    # Clip into the zero frame: a point further out reads zeros from all four neighbours.
    # (np.minimum/np.maximum: the same numbers as np.clip, at a fraction of its call cost)
    r = np.minimum(np.maximum(rows + 1, 0), h + 1)
    q = np.minimum(np.maximum(cols + 1, 0), w + 1)
    r0 = np.minimum(np.floor(r).astype(np.intp), h)
    q0 = np.minimum(np.floor(q).astype(np.intp), w)
    fr, fq = r - r0, q - q0
    # The four neighbours read from the flattened frame: one index array, offsets added.
    flat = padded.reshape(c, -1)  # (C, (H+2)*(W+2))
    at = r0 * (w + 2) + q0  # (*S)
    top = flat[:, at] * (1 - fq) + flat[:, at + 1] * fq
    bottom = flat[:, at + w + 2] * (1 - fq) + flat[:, at + w + 3] * fq
    return top * (1 - fr) + bottom * fr


def _quantise(x: np.ndarray) -> np.ndarray:
    return (np.round(np.minimum(np.maximum(x, 0), 1) * 255) / 255).astype(np.float32)


def apply_transform(x: np.ndarray, t: Transform) -> np.ndarray:
    """x (C, H, W) in 0..1 -> the transformed input (C, H, W), float32 in 8-bit steps."""
    return apply_many(x, [t])[0]


def apply_many(x: np.ndarray, transforms: list[Transform]) -> np.ndarray:
    """x (C, H, W) -> (N, C, H, W), one input per transform, gathered in one go per thickness."""
    _, h, w = x.shape
    rows, cols = _source_coords(transforms, h, w)  # (N, H, W) each
    thickness = np.array([t.thickness for t in transforms])
    out = np.empty((len(transforms), *x.shape), np.float64)
    for k in np.unique(thickness):
        idx = np.flatnonzero(thickness == k)
        source = thicken(np.asarray(x, np.float64), int(k))
        out[idx] = _bilinear(source, rows[idx], cols[idx]).transpose(1, 0, 2, 3)  # (C, n, H, W) -> (n, C, H, W)
    return _quantise(out)
