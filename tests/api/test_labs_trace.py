"""Edits and transforms on /api/predict and /api/explain, and the sweep, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tensors import decode
from nn import reference as ref


def pixels(digit):
    return (digit / 255).tolist()


def conv1_by_loop(model, x, w=None, b=None):
    p = model.network.params
    w = p["conv1.w"] if w is None else w
    b = p["conv1.b"] if b is None else b
    return np.maximum(ref.conv2d_dilated(x[None].astype(np.float64), w, b, 1, 2, 1)[0], 0)  # (6, 28, 28)


def layer(body, name):
    return next(item for item in body["layers"] if item["name"] == name)


def test_shifted_digit_moves_conv1_maps_with_it(client, mnist_test):
    digit = mnist_test[0][3]
    dx, dy = 3, -2
    r = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "transform": {"dx": dx, "dy": dy}})
    assert r.status_code == 200, r.text
    body = r.json()
    shifted = np.zeros_like(digit)
    shifted[max(dy, 0):28 + min(dy, 0), max(dx, 0):28 + min(dx, 0)] = digit[max(-dy, 0):28 + min(-dy, 0), max(-dx, 0):28 + min(-dx, 0)]
    np.testing.assert_array_equal(decode(body["input"])[0], shifted)  # the trace's input is the moved one
    still = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False}).json()
    moved_maps, still_maps = decode(layer(body, "conv1")["output"]), decode(layer(still, "conv1")["output"])
    m = 5  # away from the borders, where the padding and the edge of the frame differ
    np.testing.assert_allclose(moved_maps[:, m + dy:28 - m + dy, m + dx:28 - m + dx], still_maps[:, m:28 - m, m:28 - m], atol=2e-2)
    numbers = {e["layer"]: e for e in body["equivariance"]}
    assert numbers["conv1"]["compared"] == "shifted" and numbers["conv1"]["value"] > 0.99
    assert numbers["input"]["value"] == 1.0
    assert numbers["fc1"]["compared"] == "as_is" and numbers["fc1"]["value"] < numbers["conv1"]["value"]


def test_an_edit_changes_only_its_own_request(client, model, mnist_test):
    digit = mnist_test[0][5]
    x = (digit / 255).astype(np.float32)[None]
    sobel = [[0, 0, 0, 0, 0], [0, -1, 0, 1, 0], [0, -2, 0, 2, 0], [0, -1, 0, 1, 0], [0, 0, 0, 0, 0]]
    edited = {"pixels": pixels(digit), "steps": False, "edits": [{"layer": "conv1", "channel": 1, "kernel": sobel, "bias": 0.25}]}
    plain = {"pixels": pixels(digit), "steps": False}
    w = model.network.params["conv1.w"].copy()
    w[1, 0] = sobel
    b = model.network.params["conv1.b"].copy()
    b[1] = 0.25
    for _ in range(2):  # two students, interleaved
        a = client.post("/api/predict", json=edited).json()
        np.testing.assert_allclose(decode(layer(a, "conv1")["output"]), conv1_by_loop(model, x, w, b), atol=2e-2)
        c = client.post("/api/predict", json=plain).json()
        np.testing.assert_allclose(decode(layer(c, "conv1")["output"]), conv1_by_loop(model, x), atol=2e-2)
    assert not np.allclose(w[1], model.network.params["conv1.w"][1])  # the shared model kept its kernel


def test_ablated_map_reaches_every_layer_above_as_zeros(client, model, mnist_test):
    digit = mnist_test[0][7]
    x = (digit / 255).astype(np.float64)[None]
    body = client.post("/api/predict", json={
        "pixels": pixels(digit), "steps": False, "edits": [{"layer": "conv1", "channel": 2, "ablate": True}]}).json()
    p = model.network.params
    c1 = conv1_by_loop(model, x)
    c1[2] = 0
    pooled, _ = ref.maxpool(c1[None], 2, 2)
    z2 = ref.conv2d_dilated(pooled, p["conv2.w"], p["conv2.b"], 1, 0, 1)[0]
    assert not decode(layer(body, "conv1")["weighted_input"])[2].any()
    assert not decode(layer(body, "pool1")["output"])[2].any()
    np.testing.assert_allclose(decode(layer(body, "conv2")["weighted_input"]), z2, atol=3e-2)
    plain = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False}).json()
    assert not np.allclose(decode(layer(plain, "conv2")["weighted_input"]), z2, atol=3e-2)


def test_ablated_dense_unit_and_explain_of_the_edited_network(client, model, mnist_test):
    digit = mnist_test[0][1]
    label = int(mnist_test[1][1])
    edits = [{"layer": "fc3", "index": label, "ablate": True}]
    body = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "edits": edits}).json()
    logits = model.network.trace((digit / 255).astype(np.float32)[None])[-2].weighted_input.astype(np.float64)
    logits[label] = 0  # the unit switched off: the softmax sees a zero there, everything else as it was
    expected = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(body["probabilities"], expected, atol=1e-4)
    assert decode(layer(body, "fc3")["weighted_input"])[label] == 0
    sharpen = [[0, 0, 0, 0, 0], [0, 0, -1, 0, 0], [0, -1, 5, -1, 0], [0, 0, -1, 0, 0], [0, 0, 0, 0, 0]]
    r = client.post("/api/explain", json={"pixels": pixels(digit), "layer": "conv1", "channel": 0, "y": 14, "x": 14,
                                          "edits": [{"layer": "conv1", "channel": 0, "kernel": sharpen}],
                                          "transform": {"dx": 1}})
    assert r.status_code == 200, r.text
    got = r.json()
    np.testing.assert_array_equal(decode(got["kernel"])[0], np.array(sharpen, np.float32))
    patch = decode(got["patch"])[0]
    assert got["sum"] == pytest.approx(float((patch * np.array(sharpen)).sum()), abs=1e-4)


def test_edits_ask_for_the_full_trace_and_a_transform_keeps_the_compact_one(client, mnist_test):
    digit = mnist_test[0][2]
    body = {"pixels": pixels(digit), "steps": False, "detail": "compact"}
    assert client.post("/api/predict", json=body).json().get("detail") == "compact"
    got = client.post("/api/predict", json={**body, "edits": [{"layer": "conv1", "channel": 0, "bias": 1.0}]}).json()
    assert got.get("detail") != "compact"
    assert "output" in layer(got, "conv1")
    # A transform: the compact answer carries the transformed input (the page derives conv1
    # from it) and the equivariance numbers; its logits are the full trace's.
    transform = {"dx": 2, "rotate": 10}
    compact = client.post("/api/predict", json={**body, "transform": transform}).json()
    full = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "transform": transform}).json()
    assert compact["detail"] == "compact"
    assert (decode(compact["input"]) == decode(full["input"])).all()
    assert (decode(compact["input"]) != digit).any()
    assert compact["equivariance"] == full["equivariance"]
    # (the full trace sends weighted inputs as float16, the compact one its logits as float32)
    np.testing.assert_allclose(decode(compact["weighted_inputs"]["fc3"]), decode(layer(full, "fc3")["weighted_input"]), rtol=1e-3)


@pytest.mark.parametrize("extra,words", [
    ({"edits": [{"layer": "conv9", "channel": 0, "ablate": True}]}, "no layer"),
    ({"edits": [{"layer": "conv1", "channel": 6, "ablate": True}]}, "from 0 to 5"),
    ({"edits": [{"layer": "conv1", "channel": 0, "kernel": [[1, 2], [3, 4]]}]}, "5 x 5"),
    ({"edits": [{"layer": "fc1", "channel": 0, "bias": 1}]}, "not a conv layer"),
    ({"edits": [{"layer": "conv1", "channel": 0, "bias": float("1e9")}]}, "between"),
    ({"edits": [{"layer": "softmax", "index": 0, "ablate": True}]}, "cannot be ablated"),
    ({"edits": [{"layer": "conv1", "channel": 0, "ablate": True}] * 65}, "at most 64"),
    ({"edits": "all"}, "list"),
    ({"transform": {"dx": 100}}, "dx must be"),
    ({"transform": {"thickness": 1.5}}, "whole number"),
    ({"transform": {"spin": 3}}, "unknown keys"),
])
def test_bad_edits_and_transforms_are_refused_with_a_reason(client, extra, words):
    r = client.post("/api/predict", json={"pixels": [[0.0] * 28] * 28, **extra})
    assert r.status_code == 422, r.text
    assert words.lower() in r.json()["detail"].lower()


def test_sweep_answers_seventy_settings_like_single_traces(client, mnist_test):
    digit = mnist_test[0][4]
    r = client.post("/api/sweep", json={"pixels": pixels(digit)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["settings"] == sum(len(a["values"]) for a in body["axes"].values()) >= 60
    assert body["axes"]["rotate"]["values"][0] == -60 and body["axes"]["scale"]["values"][-1] == 1.5
    for axis, i in (("dx", 3), ("rotate", 20), ("scale", 2)):
        value = body["axes"][axis]["values"][i]
        single = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "transform": {axis: value}}).json()
        assert body["axes"][axis]["predicted"][i] == single["label"]
        assert body["axes"][axis]["probability"][i] == pytest.approx(max(single["probabilities"]), abs=1e-3)


def correlation_by_hand(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(np.corrcoef(a, b)[0, 1])


def shifted_cells(maps, dy, dx):
    """maps (C, H, W) moved by whole cells (dy down, dx right), zeros coming in."""
    out = np.zeros_like(maps)
    _, h, w = maps.shape
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        maps[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def test_equivariance_of_a_pooled_layer_compares_at_its_own_scale(client, mnist_test):
    """After a 2x2 pool one cell spans two input pixels: a shift of (dx, dy) = (4, -2) pixels moves
    pool1's and conv2's maps by (2, -1) cells. The number is the correlation of the moved maps with the still
    maps moved so, a border of ceil(2) + 1 = 3 cells cropped (docs/api.md), computed here by hand."""
    digit = mnist_test[0][3]
    body = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False,
                                              "transform": {"dx": 4, "dy": -2}}).json()
    still = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False}).json()
    numbers = {e["layer"]: e for e in body["equivariance"]}
    m = 3
    for name in ("pool1", "conv2"):  # 14x14 and 10x10 maps, both two input pixels a cell
        moved_maps = decode(layer(body, name)["output"]).astype(np.float64)
        still_maps = decode(layer(still, name)["output"]).astype(np.float64)
        side = moved_maps.shape[-1]
        expected = shifted_cells(still_maps, -1, 2)
        by_hand = correlation_by_hand(moved_maps[:, m:side - m, m:side - m], expected[:, m:side - m, m:side - m])
        assert numbers[name]["compared"] == "shifted"
        assert numbers[name]["value"] == pytest.approx(by_hand, abs=2e-3), name
        assert by_hand > 0.95


def test_a_constant_map_has_no_equivariance_number():
    """docs/api.md: a layer that is constant in either picture (an all-zero map) has no
    correlation, null, rather than a number that would read as "did not move at all"."""
    from app.labs.equivariance import correlation

    maps = np.random.default_rng(0).uniform(0, 1, (2, 6, 6))
    assert correlation(np.zeros((2, 6, 6)), maps) is None
    assert correlation(maps, np.full((2, 6, 6), 0.3)) is None
    assert correlation(maps, 2 * maps + 1) == 1.0


def test_a_kernel_holding_nan_is_refused(client):
    """JSON has no NaN, but Python's parser (the fallback that lets the pixel checks name NaN)
    reads one: an edit must still refuse it rather than spread NaN through every layer above."""
    row = "[" + ", ".join(["NaN"] + ["0"] * 4) + "]"
    body = '{"pixels": %s, "edits": [{"layer": "conv1", "channel": 0, "kernel": [%s]}]}' % (
        str([[0.0] * 28] * 28), ", ".join([row] * 5))
    r = client.post("/api/predict", content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert "between" in r.json()["detail"]


def test_equivariance_with_edits_compares_the_edited_network_with_itself(client, mnist_test):
    """With an ablated map and a shift, both pictures go through the same edited network: conv1's
    number is the correlation of the moved maps with the edited still maps moved by (dx, dy)."""
    digit = mnist_test[0][3]
    edits = [{"layer": "conv1", "channel": 2, "ablate": True}, {"layer": "conv1", "channel": 0, "bias": 0.4}]
    body = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "edits": edits,
                                              "transform": {"dx": 2, "dy": -1}}).json()
    still = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "edits": edits}).json()
    moved_maps = decode(layer(body, "conv1")["output"]).astype(np.float64)
    expected = shifted_cells(decode(layer(still, "conv1")["output"]).astype(np.float64), -1, 2)
    m = 3  # ceil(2) + 1
    by_hand = correlation_by_hand(moved_maps[:, m:28 - m, m:28 - m], expected[:, m:28 - m, m:28 - m])
    numbers = {e["layer"]: e for e in body["equivariance"]}
    assert numbers["conv1"]["value"] == pytest.approx(by_hand, abs=2e-3)
    assert by_hand > 0.99


def test_sweep_starts_from_the_base_transform_and_keeps_the_edits(client, mnist_test):
    """Each axis is swept with the others held at the request's transform, through the edited
    network: a point of the sweep answers as one trace with that transform and those edits does."""
    digit = mnist_test[0][4]
    base = {"rotate": 40.0, "thickness": 1}
    edits = [{"layer": "conv1", "channel": 1, "ablate": True}, {"layer": "fc1", "index": 7, "ablate": True}]
    body = client.post("/api/sweep", json={"pixels": pixels(digit), "transform": base, "edits": edits}).json()
    for axis, i in (("dx", 11), ("scale", 3)):
        value = body["axes"][axis]["values"][i]
        single = client.post("/api/predict", json={"pixels": pixels(digit), "steps": False, "edits": edits,
                                                   "transform": {**base, axis: value}}).json()
        np.testing.assert_allclose(body["axes"][axis]["probabilities"][i], single["probabilities"], atol=1e-3)


def test_an_all_default_transform_counts_as_none(client, mnist_test):
    """docs/api.md: an all-default transform counts as none, so a page that sends its sliders at
    rest still gets the compact answer, and no equivariance numbers."""
    body = {"pixels": pixels(mnist_test[0][2]), "steps": False, "detail": "compact",
            "transform": {"dx": 0, "dy": 0, "rotate": 0, "scale": 1, "thickness": 0}}
    got = client.post("/api/predict", json=body).json()
    assert got.get("detail") == "compact"
    assert "equivariance" not in got
