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
