"""The blots of ink that app/photo.py keeps or drops are its connected regions: the run
labelling is checked against a plain flood fill, pixel by pixel, on random masks. Which blots
are kept (the digit, its detached pieces) and which dropped (ruled lines, clutter along the
edge, a seam), and which side of a picture is its background, are checked on hand-made pages
whose answer follows from the documented thresholds."""

from __future__ import annotations

import numpy as np

from app.photo import even_out_light, keep_the_object, label_runs, runs


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


# -- which blots keep_the_object keeps: hand-made pages of 200x200 ------------------------
def _page_with_a_digit() -> np.ndarray:
    """Clear ink (1.0) on nothing: the digit is a solid 41x31 blot in the middle."""
    ink = np.zeros((200, 200), np.float32)
    ink[80:121, 85:116] = 1
    return ink


def _kept(ink: np.ndarray, photo: bool = True) -> np.ndarray:
    cleaned, _ = keep_the_object(ink, photo)
    return cleaned > 0


def test_ruled_lines_near_the_digit_are_dropped_however_thick_up_to_their_limit():
    """A line is longer than 40% of the shorter side (80 px here) and thinner than 3 px or 4%
    of its length (7.2 px for 181 px): a 2 px line of 121 px and a 6 px line of 181 px, both
    passing within the digit's reach (30% of its size, 12 px), are dropped; the digit stays whole."""
    ink = _page_with_a_digit()
    ink[124:126, 40:161] = 1  # 2 px thick, 3 px under the digit
    ink[70:76, 10:191] = 1  # 6 px thick, 4 px above it
    np.testing.assert_array_equal(_kept(ink), _page_with_a_digit() > 0)


def test_a_block_along_an_edge_is_clutter_even_when_larger_than_the_digit():
    """A table seen at the right edge (15 px wide, 160 of the 200 rows): its pixels on the
    picture's edge are 20% of the border (796 px), over the 10% that marks clutter."""
    ink = _page_with_a_digit()
    ink[20:180, 185:200] = 1
    np.testing.assert_array_equal(_kept(ink), _page_with_a_digit() > 0)
    mirrored = ink[:, ::-1]  # and at the left edge
    np.testing.assert_array_equal(_kept(mirrored), _page_with_a_digit()[:, ::-1] > 0)


def test_a_band_from_side_to_side_is_a_seam_in_a_photo_but_ink_in_a_drawing():
    """A 20 px band across the whole width covers only 40 border pixels (5%), and it is too thick
    for a line; in a photo, reaching from one side to the other makes it the seam of a table's
    edge. On a drawing it is a stroke like any other: kept."""
    ink = _page_with_a_digit()
    ink[150:170, :] = 1
    np.testing.assert_array_equal(_kept(ink, photo=True), _page_with_a_digit() > 0)
    assert _kept(ink, photo=False)[150:170].all()


def test_a_detached_piece_within_reach_is_kept_and_a_far_speck_is_not():
    """A 5's bar: 5 px above the body (its reach is 30% of 41 px, 12 px); a speck 60 px away."""
    ink = _page_with_a_digit()
    ink[70:75, 90:121] = 1  # the bar
    ink[10:15, 10:15] = 1  # the speck
    expected = ink > 0
    expected[10:15, 10:15] = False
    np.testing.assert_array_equal(_kept(ink), expected)


def test_a_light_drawing_on_an_evenly_lit_dark_canvas_is_left_as_it_is():
    """even_out_light: the background is the side whose light is even. A bright bar (20 px
    wide, narrower than the judging window) on a dark canvas with sensor noise: the dark side is
    even, so it is a light drawing on an even canvas (light False, nothing to correct), not a
    page of paper lit unevenly; and dark ink on evenly lit paper is the same picture inverted."""
    rng = np.random.default_rng(0)
    canvas = np.clip(0.1 + rng.normal(0, 0.01, (200, 200)), 0, 1).astype(np.float32)
    canvas[20:180, 90:110] = 0.9
    assert even_out_light(canvas, False) == (False, None)
    paper = 1 - canvas
    assert even_out_light(paper, True) == (True, None)


def test_faint_ink_running_out_of_reach_is_kept_only_next_to_the_clear_ink():
    """A faint ruled line (0.3, under the 0.45 of clear ink) touching the digit and running far
    past its reach belongs to one faint blot with it: of the line only the 3 px next to the
    clear ink stay (the stroke's soft edge), and the digit stays whole."""
    ink = _page_with_a_digit()
    ink[100:102, 116:191] = 0.3
    expected = _page_with_a_digit() > 0
    expected[100:102, 116:119] = True
    np.testing.assert_array_equal(_kept(ink), expected)


def test_a_stroke_narrower_than_the_light_window_is_ink_across_its_width_in_a_wide_photo():
    """The paper's light is estimated with a window of 9% of the picture's longer side (36 px
    of 400 here): a 20 px stroke vanishes from that estimate, so all of it is ink. Paper lit from
    0.6 to 0.95 across, the stroke 0.1: the share of light it absorbs is 1 - 0.1 / paper > 0.8."""
    x = np.linspace(0.6, 0.95, 400, dtype=np.float32)
    grey = np.repeat(x[None], 100, axis=0)
    grey[10:90, 190:210] = 0.1
    light, ink = even_out_light(grey, True)
    assert light is True and ink is not None
    assert ink[20:80, 190:210].min() > 0.8
    assert ink[:, :150].max() < 0.1  # the paper is not ink, however it is lit
