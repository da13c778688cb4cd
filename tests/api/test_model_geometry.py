"""GET /api/models/{id} serves each map layer's receptive field (size, jump, offset) right for
any architecture, not only LeNet-5: here one that pads after a stride, checked against a hand
chain of windows and against brute force (which input pixels reach each unit)."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.models import Model
from app.nn.architecture import Architecture
from app.nn.network import Network

from nn.archs import PADDED_AFTER_STRIDE as ARCH

# By hand, pixel by pixel. conv_a (3x3, stride 2): a unit covers 3 pixels, and neighbours
# are 2 apart. conv_b (3x3, padding 1) reads conv_a units y-1..y+1, whose pixels start at
# 2(y-1) and end at 2(y+1)+2: 7 pixels from 2y-2. pool (2x2) adds one conv_b step: 9 pixels
# from 2y-2. conv_c (3x3, stride 2, padding 2) reads pool units 2y-2..2y, that is pixels
# 2(2y-2)-2 .. 2(2y)-2+8: 13 pixels from 4y-6.
BY_HAND = {
    "conv_a": {"size": 3, "jump": 2, "offset": 0},
    "conv_b": {"size": 7, "jump": 2, "offset": -2},
    "pool": {"size": 9, "jump": 2, "offset": -2},
    "conv_c": {"size": 13, "jump": 4, "offset": -6},
}


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(0)
    # Positive weights and no activation: nothing cancels, so every pixel a unit reads reaches it.
    params = {k: rng.uniform(0.5, 1.0, s).astype(np.float32) for k, s in ARCH.param_shapes().items()}
    return Network(ARCH, params)


@pytest.fixture(scope="module")
def served(network):
    model = Model("strided", "Pads after a stride", network, {"dataset": "none"})
    with TestClient(create_app(loaded_models={"strided": model}), raise_server_exceptions=False) as client:
        response = client.get("/api/models/strided")
    assert response.status_code == 200
    return {layer["name"]: layer for layer in response.json()["layers"]}


def reach(network, layer: str) -> np.ndarray:
    """For every unit of a map layer, which input pixels change it: (H', W', H, W) booleans.

    The map layers form a linear stack, so the unit's response to each one-hot image is its
    coefficient on that pixel; a nonzero coefficient means the pixel is in its window."""
    arch = network.architecture
    prefix = arch.layers[: arch.index(layer) + 1]
    sub = Network(Architecture("prefix", arch.input_shape, prefix), {
        k: v for k, v in network.params.items() if k.split(".")[0] in {s.name for s in prefix}
    })
    c, h, w = arch.input_shape
    one_hots = np.eye(h * w, dtype=np.float32).reshape(h * w, c, h, w)  # (H*W, 1, H, W)
    bias_only = sub.forward(np.zeros((1, c, h, w), np.float32))  # biases are positive too
    out = sub.forward(one_hots) - bias_only  # (H*W, F, H', W')
    return np.abs(out[:, 0]).transpose(1, 2, 0).reshape(out.shape[2], out.shape[3], h, w) > 1e-6


def test_served_receptive_fields_equal_the_hand_chain(served):
    assert {name: served[name]["receptive_field"] for name in BY_HAND} == BY_HAND
    for name in ("flatten", "fc", "softmax"):
        assert served[name]["receptive_field"] is None


@pytest.mark.parametrize("layer", list(BY_HAND))
def test_served_receptive_fields_equal_brute_force(served, network, layer):
    rf = served[layer]["receptive_field"]
    size, jump, offset = rf["size"], rf["jump"], rf["offset"]
    seen = reach(network, layer)
    n = network.architecture.input_shape[1]
    checked = 0
    for y in range(seen.shape[0]):
        for x in range(seen.shape[1]):
            rows = np.flatnonzero(seen[y, x].any(axis=1))
            cols = np.flatnonzero(seen[y, x].any(axis=0))
            # Before clipping, the window is rows y*jump + offset .. + size - 1; clipped to the image:
            y0, x0 = y * jump + offset, x * jump + offset
            assert (rows[0], rows[-1]) == (max(0, y0), min(n - 1, y0 + size - 1)), (layer, y, x)
            assert (cols[0], cols[-1]) == (max(0, x0), min(n - 1, x0 + size - 1)), (layer, y, x)
            assert seen[y, x, rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].all()  # a full box
            checked += y0 >= 0 and y0 + size <= n and x0 >= 0 and x0 + size <= n
    assert checked > 0  # some windows lie wholly inside, where offset and size show unclipped
