"""What a photo of paper needs before it looks like a scan: even light, and only the digit.

A phone photo of a digit on paper is not a drawing on a clean canvas. The light falls
unevenly (a gradient from the window, a vignette, the shadow of a hand), a table shows at
an edge, and ruled lines cross the page. Cropping to every inked pixel would then crop to
the shadow or the table, and the network would see a smudge. Two steps put it right:

1. ``even_out_light`` estimates how brightly the paper is lit at each point and divides it
   out (a flat-field correction). The paper's light is what a morphological closing leaves:
   pen strokes are narrower than the window and vanish, while shadows, gradients and a table
   are wider and stay. Dividing by it turns every part of the page into the same white.
2. ``keep_the_object`` labels the connected blots of clear ink and keeps the largest with
   its neighbours (a 5's detached bar), dropping ruled lines (long and thin) and clutter
   along the picture's edge (a table, a border of the paper).

``even_out_light`` also says which way round the picture is (dark ink on light paper, or a
light drawing on a dark canvas): the background is the side whose light is even, which a
shadow across the border cannot fool as a border's grey level can.

Both steps leave a clean picture (an evenly lit page, a canvas drawing) as it was, so it is
prepared as before; ``Preprocessed.steps`` shows each step only when it changed something.
Everything runs on the reduced analysis image (at most 320 pixels a side), in a few ms.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

BLOCK = 4  # the light is estimated on a grid of BLOCK x BLOCK cells: it varies slowly
WINDOW = 0.09  # strokes narrower than this fraction of the picture's longer side are ink...
JUDGE_WINDOW = 0.25  # ...and to judge whether the light is even at all, strokes up to this wide
UNEVEN = 0.1  # the light varies by more than this fraction of the ink's contrast: correct it
SPREAD = (5, 95)  # percentiles of the background's grey between which that variation is measured
PAPER = 0.3  # a picture lit unevenly whose median grey is at least this is taken as paper
CORE = 0.45  # clear ink, of the stretched 0..1 ink: what the blots are made of
HALO = 3  # pixels of fainter ink kept around the clear ink (the stroke's soft edge)
NEAR = 0.3  # other blots are kept within this fraction of the digit's size around it
LINE_LENGTH = 0.4  # blots longer than this fraction of the picture's shorter side...
LINE_THICKNESS = (3.0, 0.04)  # ...and thinner than 3 pixels or 4% of their length are lines
EDGE_SHARE = 0.1  # blots that cover this share of the picture's edge are clutter (a table)


def _coarse(grey: np.ndarray, reduce) -> np.ndarray:
    """The image on a grid of BLOCK x BLOCK cells, each cell its `reduce` (np.max or np.min)."""
    h, w = grey.shape
    ph, pw = -h % BLOCK, -w % BLOCK
    padded = np.pad(grey, ((0, ph), (0, pw)), mode="edge")
    cells = padded.reshape((h + ph) // BLOCK, BLOCK, (w + pw) // BLOCK, BLOCK)
    return reduce(reduce(cells, axis=3), axis=1)


def _slide(image: np.ndarray, pick, size: int) -> np.ndarray:
    """The `pick` (np.maximum or np.minimum) of each size x size square (size odd), edges repeated:
    separable, one shifted copy of the image at a time."""
    r = size // 2
    h, w = image.shape
    padded = np.pad(image, r, mode="edge")
    rows = padded[:h]
    for dy in range(1, size):
        rows = pick(rows, padded[dy : dy + h])  # (h, w + 2r)
    out = rows[:, :w]
    for dx in range(1, size):
        out = pick(out, rows[:, dx : dx + w])  # (h, w)
    return out


def _background(grey: np.ndarray, light: bool, window: float) -> tuple[np.ndarray, bool]:
    """The background's grey level on the coarse grid, if the background is light (a closing
    takes away the dark strokes) or dark (an opening takes away the light ones), strokes
    being narrower than `window` of the longer side; and whether it varies by more than
    UNEVEN of the ink's contrast over more than a few cells (a stroke's thick knot is not a shadow)."""
    h, w = grey.shape
    cells = max(3, round(window * max(h, w) / BLOCK) | 1)  # odd
    if light:
        estimate = _slide(_slide(_coarse(grey, np.max), np.maximum, cells), np.minimum, cells)
        contrast = float(estimate.max() - grey.min())
    else:
        estimate = _slide(_slide(_coarse(grey, np.min), np.minimum, cells), np.maximum, cells)
        contrast = float(grey.max() - estimate.min())
    low, high = np.percentile(estimate, SPREAD)
    return estimate, contrast > 0 and float(high - low) > UNEVEN * contrast


def even_out_light(grey: np.ndarray, border_light: bool) -> tuple[bool, np.ndarray | None]:
    """Inputs: grey levels (H, W) in 0..1; border_light: whether the border's grey level says
    the background is light. Returns: (light, ink) with light True for dark ink on a light
    background, and ink (H, W) >= 0, 0 on the background, or None when the light is even.

    Which way round a picture is shows in which background is even: the paper behind dark
    ink is even on a clean page, and so is the canvas behind a light drawing. When neither
    is (a photo under uneven light), a picture whose typical grey is not dark is paper:
    a shadow can darken much of a border, so the border alone cannot tell."""
    _, uneven_if_light = _background(grey, True, JUDGE_WINDOW)
    _, uneven_if_dark = _background(grey, False, JUDGE_WINDOW)
    if uneven_if_light and uneven_if_dark:
        light = float(np.median(grey)) >= PAPER
    elif uneven_if_light != uneven_if_dark:
        light = uneven_if_dark
    else:
        light = border_light
    if not (uneven_if_light if light else uneven_if_dark):
        return light, None
    h, w = grey.shape
    coarse, _ = _background(grey, light, WINDOW)
    estimate = np.asarray(Image.fromarray(coarse, "F").resize((w, h), Image.Resampling.BILINEAR), np.float32)
    if light:
        ink = 1 - grey / np.maximum(np.maximum(estimate, grey), 1e-3)  # the share of the paper's light absorbed
    else:
        ink = grey - np.minimum(estimate, grey)
    return light, ink.astype(np.float32)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a boolean mask by `radius` pixels (a square)."""
    return _slide(mask, np.maximum, 2 * radius + 1)


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The horizontal runs of True in a boolean mask (H, W), in reading order:
    (row, start, end) arrays, end exclusive."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)  # (H, W + 1)
    row, start = np.nonzero(edges == 1)
    _, end = np.nonzero(edges == -1)
    return row, start, end


def label_runs(row: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Which blot each run belongs to, with 8 neighbours: (R,) labels 0..n-1 in reading order.

    Two runs on neighbouring rows touch when their columns overlap, corners included. Each
    run starts as its own blot; every round, the two ends of each touching pair both take
    the smaller label (and so do the runs those labels name), then each run jumps to the
    label its label has, until nothing changes: a few rounds, even for a long stroke."""
    count = row.size
    if count == 0:
        return np.zeros(0, np.int64)
    width = int(end.max()) + 2
    first_end = row * width + end  # reading-order keys: both sorted, as the runs are
    first_start = row * width + start
    below = row + 1
    lo = np.searchsorted(first_end, below * width + start, side="left")  # first run below with end >= start
    hi = np.searchsorted(first_start, below * width + end, side="right")  # past the last with start <= end
    touching = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(count), touching)
    b = np.arange(touching.sum()) - np.repeat(np.cumsum(touching) - touching, touching) + np.repeat(lo, touching)
    labels = np.arange(count)
    while True:
        smaller = np.minimum(labels[a], labels[b])
        new = labels.copy()
        for ends in (a, b, labels[a], labels[b]):
            np.minimum.at(new, ends, smaller)
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return np.unique(labels, return_inverse=True)[1]
        labels = new


def _paint(shape: tuple[int, int], row, start, end, values) -> np.ndarray:
    """An image (H, W) holding values[i] on run i and 0 elsewhere."""
    h, w = shape
    image = np.zeros(h * w, np.asarray(values).dtype)
    length = end - start
    offsets = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    image[np.repeat(row * w + start, length) + offsets] = np.repeat(values, length)
    return image.reshape(h, w)


def _blots(shape, row, start, end, labels) -> dict[str, np.ndarray]:
    """Area, bounding box (y0, y1, x0, x1 inclusive) and pixels on the picture's edge of each blot."""
    h, w = shape
    n = int(labels.max()) + 1
    length = end - start
    area = np.bincount(labels, weights=length, minlength=n)
    y0, x0 = np.full(n, h), np.full(n, w)
    y1, x1 = np.full(n, -1), np.full(n, -1)
    np.minimum.at(y0, labels, row)
    np.maximum.at(y1, labels, row)
    np.minimum.at(x0, labels, start)
    np.maximum.at(x1, labels, end - 1)
    top_or_bottom = (row == 0) | (row == h - 1)
    sides = np.where(top_or_bottom, 0, (start == 0).astype(int) + (end == w))
    edge = np.bincount(labels, weights=np.where(top_or_bottom, length, sides), minlength=n)
    return {"area": area, "y0": y0, "y1": y1, "x0": x0, "x1": x1, "edge": edge}


def _clear_blots_to_keep(shape, row, start, end, labels, photo: bool) -> tuple[np.ndarray, tuple]:
    """Which blots of clear ink are the object: (keep (n,) bool, the box (y0, y1, x0, x1) it
    may reach). The largest blot that is neither a ruled line nor clutter along the edge
    (covering much of it, a table; or, in a photo, reaching from one side to the other, the
    seam along a table's edge), and every other such blot within NEAR of the group's size,
    the group growing as blots join it (a broken stroke's pieces)."""
    h, w = shape
    blot = _blots(shape, row, start, end, labels)
    height = blot["y1"] - blot["y0"] + 1
    width = blot["x1"] - blot["x0"] + 1
    length = np.maximum(height, width)
    thin = blot["area"] / length < np.maximum(LINE_THICKNESS[0], LINE_THICKNESS[1] * length)
    line = thin & (length > LINE_LENGTH * min(h, w))
    across = ((blot["x0"] == 0) & (blot["x1"] == w - 1)) | ((blot["y0"] == 0) & (blot["y1"] == h - 1))
    clutter = (blot["edge"] > EDGE_SHARE * (2 * (h + w) - 4)) | (photo & across)
    candidate = ~line & ~clutter
    if not candidate.any():  # nothing but lines and clutter: better to show all than nothing
        candidate[:] = True
    keep = np.zeros(candidate.size, bool)
    keep[np.argmax(np.where(candidate, blot["area"], -1))] = True
    while True:  # grow the group by the blots near it, as long as any are
        y0, y1 = blot["y0"][keep].min(), blot["y1"][keep].max()
        x0, x1 = blot["x0"][keep].min(), blot["x1"][keep].max()
        reach = NEAR * max(y1 - y0 + 1, x1 - x0 + 1)
        box = (y0 - reach, y1 + reach, x0 - reach, x1 + reach)
        near = (blot["y0"] <= box[1]) & (blot["y1"] >= box[0]) & (blot["x0"] <= box[3]) & (blot["x1"] >= box[2])
        grown = keep | (candidate & near)
        if np.array_equal(grown, keep):
            return keep, box
        keep = grown


def keep_the_object(ink: np.ndarray, photo: bool) -> tuple[np.ndarray, bool]:
    """Inputs: ink (H, W) stretched to 0..1, background 0; photo: whether the light was
    uneven (a photo of paper, where the edges may show a table).
    Returns: (ink with everything but the object set to 0, whether anything was dropped).

    The object is made of blots of clear ink (``_clear_blots_to_keep``). Fainter ink comes
    with it whole where it stays within the object's reach (a stroke's soft edge, a faint
    bit of the digit); where it runs further, it is a faint ruled line joined to the digit,
    and only its part within HALO pixels of the clear ink is kept."""
    h, w = ink.shape
    row, start, end = runs(ink >= CORE)
    if row.size == 0:
        return ink, False
    labels = label_runs(row, start, end)
    keep, (top, bottom, left, right) = _clear_blots_to_keep(ink.shape, row, start, end, labels, photo)
    kept_runs = keep[labels]
    faint_row, faint_start, faint_end = runs(ink > 0)
    faint_labels = label_runs(faint_row, faint_start, faint_end)
    faint = _blots(ink.shape, faint_row, faint_start, faint_end, faint_labels)
    of_run = _paint(ink.shape, faint_row, faint_start, faint_end, faint_labels + 1)[row, start] - 1  # each clear run's faint blot
    n = faint["area"].size
    with_kept = np.bincount(of_run[kept_runs], minlength=n) > 0
    with_clear = np.bincount(of_run, minlength=n) > 0
    within = (faint["y0"] >= top) & (faint["y1"] <= bottom) & (faint["x0"] >= left) & (faint["x1"] <= right)
    whole = within & (with_kept | ~with_clear)
    trimmed = with_kept & ~within
    region = _paint(ink.shape, faint_row, faint_start, faint_end, whole[faint_labels])
    if trimmed.any():
        clear_kept = _paint(ink.shape, row[kept_runs], start[kept_runs], end[kept_runs], np.ones(kept_runs.sum(), bool))
        near_clear = _dilate(clear_kept, HALO)
        region |= near_clear & _paint(ink.shape, faint_row, faint_start, faint_end, trimmed[faint_labels])
    cleaned = np.where(region, ink, 0).astype(np.float32)
    return cleaned, bool((cleaned != ink).any())
