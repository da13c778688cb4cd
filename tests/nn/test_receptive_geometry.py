"""The size/jump/offset summary the API serves agrees with the region-by-region maths."""

from __future__ import annotations

from app.nn.architecture import LENET5
from app.nn.receptive import receptive_field, receptive_geometry


def test_lenet5_window_formula_matches_the_input_box_of_every_map_unit():
    # LeNet-5's only padded layer is its first, so clipping once at the input equals
    # clipping at every layer, and the formula must give exactly the receptive-field box.
    shapes = LENET5.output_shapes()
    for spec, shape, geometry in zip(LENET5.layers, shapes, receptive_geometry(LENET5)):
        if geometry is None:
            assert len(shape) == 1 or spec.kind not in ("conv", "maxpool", "avgpool")
            continue
        _, h, w = shape
        for y in range(h):
            for x in range(w):
                box = receptive_field(LENET5, spec.name, 0, y, x)[-1]
                start_y, start_x = y * geometry["jump"] + geometry["offset"], x * geometry["jump"] + geometry["offset"]
                assert box.y0 == max(0, start_y) and box.x0 == max(0, start_x)
                assert box.y1 == min(27, start_y + geometry["size"] - 1)
                assert box.x1 == min(27, start_x + geometry["size"] - 1)


def test_lenet5_receptive_sizes_follow_the_textbook_recurrence():
    # r_out = r_in + (k - 1) * j_in, j_out = j_in * s, worked by hand for LeNet-5:
    # conv1 5x5 -> 5, pool1 2/2 -> 6 (jump 2), conv2 5x5 -> 6 + 4*2 = 14, pool2 2/2 -> 16 (jump 4).
    sizes = [(g["size"], g["jump"]) for g in receptive_geometry(LENET5)[:4]]
    assert sizes == [(5, 1), (6, 2), (14, 2), (16, 4)]
    assert receptive_geometry(LENET5)[4:] == [None] * 5
