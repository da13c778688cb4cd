"""The blots of ink that app/photo.py keeps or drops are its connected regions: the run
labelling is checked against a plain flood fill, pixel by pixel, on random masks."""

from __future__ import annotations

import numpy as np

from app.photo import label_runs, runs


def flood_fill_labels(mask: np.ndarray) -> np.ndarray:
    """The naive twin: each unlabelled ink pixel starts a blot that spreads to its 8 neighbours."""
    h, w = mask.shape
    labels = np.zeros((h, w), int)
    count = 0
    for y in range(h):
        for x in range(w):
            if mask[y, x] and not labels[y, x]:
                count += 1
                labels[y, x] = count
                stack = [(y, x)]
                while stack:
                    cy, cx = stack.pop()
                    for ny in range(max(cy - 1, 0), min(cy + 2, h)):
                        for nx in range(max(cx - 1, 0), min(cx + 2, w)):
                            if mask[ny, nx] and not labels[ny, nx]:
                                labels[ny, nx] = count
                                stack.append((ny, nx))
    return labels


def run_labels(mask: np.ndarray) -> np.ndarray:
    """label_runs painted back onto the pixels, 1..n, 0 for the background."""
    row, start, end = runs(mask)
    labels = label_runs(row, start, end)
    image = np.zeros(mask.shape, int)
    for r, s, e, label in zip(row, start, end, labels):
        image[r, s:e] = label + 1
    return image


def test_run_labelling_finds_the_same_blots_as_a_flood_fill():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w = rng.integers(1, 25, 2)
        mask = rng.random((h, w)) < rng.uniform(0.05, 0.7)
        ours, naive = run_labels(mask), flood_fill_labels(mask)
        np.testing.assert_array_equal(ours > 0, mask)
        # The same partition: each of our blots is exactly one of the flood fill's, and back.
        pairs = set(zip(ours[mask].tolist(), naive[mask].tolist()))
        assert len(pairs) == len(set(ours[mask].tolist())) == len(set(naive[mask].tolist()))


def test_a_long_winding_stroke_is_one_blot():
    # A serpent: rows joined at alternate ends, the case that needs many rounds without jumping.
    mask = np.zeros((41, 30), bool)
    mask[::2] = True
    mask[1::4, -1] = True
    mask[3::4, 0] = True
    assert set(np.unique(run_labels(mask))) == {0, 1}
    # Touching only at a corner still joins (8 neighbours).
    corner = np.array([[1, 0], [0, 1]], bool)
    assert set(np.unique(run_labels(corner)[corner])) == {1}
