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


def test_padding_after_a_stride_moves_the_window_back_by_whole_jumps():
    # Worked by hand for PADDED_AFTER_STRIDE: start = start_in - padding * jump_in.
    # conv_a 3/2 -> size 3, jump 2, offset 0; conv_b 3/1 pad 1 -> 3 + 2*2 = 7, offset 0 - 1*2 = -2;
    # pool 2/1 -> 7 + 1*2 = 9, offset -2; conv_c 3/2 pad 2 -> 9 + 2*2 = 13, offset -2 - 2*2 = -6, jump 4.
    from .archs import PADDED_AFTER_STRIDE

    geometry = receptive_geometry(PADDED_AFTER_STRIDE)
    assert [(g["size"], g["jump"], g["offset"]) for g in geometry[:4]] == [(3, 2, 0), (7, 2, -2), (9, 2, -2), (13, 4, -6)]
    assert geometry[4:] == [None] * 3
    # An interior unit's window, which no clipping touches, is its receptive-field box.
    box = receptive_field(PADDED_AFTER_STRIDE, "conv_c", 0, 2, 3)[-1]
    assert (box.y0, box.y1, box.x0, box.x1) == (2 * 4 - 6, 2 * 4 - 6 + 12, 3 * 4 - 6, 3 * 4 - 6 + 12)
