"""Random affine and elastic distortions of a batch of digits, for training.

Each output pixel p (relative to the image centre) is read from the source position
A p + t + d(p): A rotates, scales and shears, t shifts, and d is an elastic displacement
field (Simard, Steinkraus and Platt, 2003: uniform noise smoothed by a Gaussian of width
sigma, scaled by alpha). The source is sampled bilinearly, zero outside the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Augmentation:
    max_rotation_deg: float = 12.0
    scale_range: tuple[float, float] = (0.9, 1.1)
    max_shear: float = 0.15
    max_shift: float = 2.0
    elastic_alpha: float = 20.0  # displacement std about 1 pixel (Simard et al. 2003: alpha=34, sigma=4)
    elastic_sigma: float = 4.0
    mirror: bool = False  # flip half the images left to right (clothes, not digits)


def _gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """G such that G @ f @ G.T blurs a (size, size) field f with a normalised Gaussian."""
    pos = np.arange(size)
    g = np.exp(-0.5 * ((pos[:, None] - pos[None, :]) / sigma) ** 2)
    return (g / g.sum(axis=1, keepdims=True)).astype(np.float32)


def bilinear_sample(images: np.ndarray, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
    """Inputs: images (N, H, W); source coordinates sy, sx (N, H, W). Returns: (N, H, W)."""
    n, h, w = images.shape
    y0 = np.floor(sy).astype(np.int64)
    x0 = np.floor(sx).astype(np.int64)
    fy, fx = (sy - y0).astype(np.float32), (sx - x0).astype(np.float32)
    flat = images.reshape(-1)
    base = (np.arange(n) * h * w)[:, None, None]
    out = np.zeros(images.shape, np.float32)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            idx = base + np.clip(yy, 0, h - 1) * w + np.clip(xx, 0, w - 1)
            out += flat[idx] * (wy * wx * inside)
    return out


def distort(images: np.ndarray, rng: np.random.Generator, aug: Augmentation = Augmentation()) -> np.ndarray:
    """Inputs: images (N, H, W) float32. Returns: a randomly distorted copy, same shape."""
    n, h, w = images.shape
    angle = np.deg2rad(rng.uniform(-aug.max_rotation_deg, aug.max_rotation_deg, n))
    scale = rng.uniform(*aug.scale_range, n)
    shear = rng.uniform(-aug.max_shear, aug.max_shear, n)
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale  # output -> source, so 1/scale
    # A = R(angle) / scale @ [[1, shear], [0, 1]]
    a = np.stack([np.stack([cos, cos * shear - sin], -1), np.stack([sin, sin * shear + cos], -1)], -2)  # (N, 2, 2) rows (y, x)
    shift = rng.uniform(-aug.max_shift, aug.max_shift, (n, 2))
    if aug.mirror:
        a[:, :, 1] *= np.where(rng.random(n) < 0.5, -1.0, 1.0)[:, None]  # x' = -x: a left-right flip

    cy, cx = (h - 1) / 2, (w - 1) / 2
    py, px = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")  # (H, W) each
    sy = a[:, 0, 0, None, None] * py + a[:, 0, 1, None, None] * px + cy + shift[:, 0, None, None]
    sx = a[:, 1, 0, None, None] * py + a[:, 1, 1, None, None] * px + cx + shift[:, 1, None, None]

    if aug.elastic_alpha > 0:
        g = _gaussian_matrix(h, aug.elastic_sigma)
        gw = g if w == h else _gaussian_matrix(w, aug.elastic_sigma)
        noise = rng.uniform(-1, 1, (2, n, h, w)).astype(np.float32)
        field = aug.elastic_alpha * (g @ noise @ gw.T)  # (2, N, H, W), smooth displacements in pixels
        sy = sy + field[0]
        sx = sx + field[1]
    return bilinear_sample(images, sy, sx)
