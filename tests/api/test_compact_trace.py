"""A compact trace holds only what cannot be derived; everything a full trace shows must
follow from it. The derivation here is written out plainly (loops over pool windows,
softmax by hand), apart from the app's and the page's own."""

from __future__ import annotations

import base64
import gzip
import math
from pathlib import Path

import numpy as np
import orjson
import pytest

from app.api.tensors import decode
from app.nn.idx import load_split

DIGITS = Path(__file__).resolve().parents[1] / "data" / "mnist-t10k-1000"


@pytest.fixture(scope="module")
def digits():
    images, _ = load_split(DIGITS, "t10k")
    return images[:30]


def pixels(digit):
    return {"shape": [28, 28], "dtype": "uint8", "data": base64.b64encode(digit.tobytes()).decode("ascii")}


def same_to_3_digits(a, b):
    """Equal as a page shows them (three significant digits): within half a float16 step."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.all(np.abs(a - b) <= 1e-3 * np.maximum(np.abs(a), np.abs(b)) + 1e-6)


def naive_maxpool(x, k, stride):
    c, h, w = x.shape
    ho, wo = 1 + (h - k) // stride, 1 + (w - k) // stride
    out, win = np.zeros((c, ho, wo), np.float32), np.zeros((c, ho, wo), np.int64)
    for ch in range(c):
        for i in range(ho):
            for j in range(wo):
                window = x[ch, i * stride : i * stride + k, j * stride : j * stride + k].reshape(-1)
                win[ch, i, j] = int(np.argmax(window))  # first of equals, as the page picks
                out[ch, i, j] = window[win[ch, i, j]]
    return out, win


def naive_conv(x, w, b, padding):
    """z[f, i, j] = sum of x's window times w[f], plus b[f]: one window at a time, in float64."""
    f, c, k, _ = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (padding, padding), (padding, padding)))
    ho, wo = xp.shape[1] - k + 1, xp.shape[2] - k + 1
    z = np.zeros((f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            z[:, i, j] = (xp[None, :, i : i + k, j : j + k] * w).sum(axis=(1, 2, 3)) + b
    return z


def derive(compact, model_detail, weights):
    """Every layer's output (and the winners of max pools) from a compact trace."""
    weighted = {name: decode(t) for name, t in compact["weighted_inputs"].items()}
    for name in compact["from_weights"]:  # worked out from the input, as the page does
        spec = next(s for s in model_detail["layers"] if s["name"] == name)
        x = decode(compact["input"]).astype(np.float32) / 255
        weighted[name] = naive_conv(x, weights[name]["w"], weights[name]["b"], spec["padding"])
    exceptions = compact["argmax_exceptions"]
    layers, below = {}, decode(compact["input"]).astype(np.float32) / 255
    for spec in model_detail["layers"]:
        name, kind = spec["name"], spec["kind"]
        if kind in ("conv", "dense"):
            z = weighted[name]
            below = np.maximum(z, 0) if spec["activation"] == "relu" else z
            layers[name] = {"output": below, "weighted": z}
        elif kind == "maxpool":
            below, win = naive_maxpool(below, spec["kernel"], spec["stride"])
            flat = win.reshape(-1)
            for index, winner in exceptions.get(name, []):
                assert flat[index] != winner, f"{name}: an exception at {index}, where the page picks right anyway"
                flat[index] = winner
            layers[name] = {"output": below, "argmax": win}
        elif kind == "flatten":
            below = below.reshape(-1)
            layers[name] = {"output": below}
        elif kind == "softmax":
            e = [math.exp(v - max(below)) for v in below.tolist()]
            below = np.array([v / sum(e) for v in e])
            layers[name] = {"output": below}
    return layers


def test_a_compact_trace_gives_every_value_of_the_full_trace(client, digits):
    detail = client.get("/api/models/mnist").json()
    weights = {
        layer["name"]: {"w": decode(layer["w"]), "b": decode(layer["b"])}
        for layer in client.get("/api/models/mnist/weights").json()["layers"]
    }
    exceptions_seen = 0
    for digit in digits:
        full = client.post("/api/predict", json={"pixels": pixels(digit)}).json()
        response = client.post("/api/predict", json={"pixels": pixels(digit), "detail": "compact"})
        assert response.status_code == 200
        compact = response.json()
        assert compact["detail"] == "compact"
        assert (decode(compact["input"]) == decode(full["input"])).all()
        derived = derive(compact, detail, weights)
        for layer in full["layers"]:
            got = derived[layer["name"]]
            if "output" in layer:
                assert same_to_3_digits(got["output"], decode(layer["output"])), layer["name"]
            if "weighted_input" in layer:
                assert same_to_3_digits(got["weighted"], decode(layer["weighted_input"])), layer["name"]
            if "argmax" in layer:
                assert (got["argmax"] == decode(layer["argmax"])).all(), layer["name"]
        assert same_to_3_digits(derived["softmax"]["output"], full["probabilities"])
        assert int(np.argmax(derived["softmax"]["output"])) == full["label"] == compact["label"]
        exceptions_seen += sum(len(v) for v in compact["argmax_exceptions"].values())
    assert exceptions_seen > 0  # float16 ties do happen on these digits: the exceptions are exercised


def test_the_logits_travel_as_float32_the_maps_as_float16_and_the_first_conv_not_at_all(client, digits):
    compact = client.post("/api/predict", json={"pixels": pixels(digits[0]), "detail": "compact"}).json()
    dtypes = {name: t["dtype"] for name, t in compact["weighted_inputs"].items()}
    assert dtypes == {"conv2": "float16", "fc1": "float16", "fc2": "float16", "fc3": "float32"}
    assert compact["from_weights"] == ["conv1"]  # the page has the input and the weights for it


def test_a_compact_trace_is_much_smaller_than_the_full_one(client, digits):
    body = {"pixels": pixels(digits[0])}
    full = client.post("/api/predict", json=body).content
    compact = client.post("/api/predict", json={**body, "detail": "compact"}).content
    assert len(gzip.compress(compact)) < 0.7 * len(gzip.compress(full))


def test_the_full_trace_stays_the_default(client, digits):
    body = client.post("/api/predict", json={"pixels": pixels(digits[0])}).json()
    assert "detail" not in body and len(body["layers"]) == 9 and "output" in body["layers"][0]


@pytest.mark.parametrize("detail", ["tiny", 1, None, ["compact"]])
def test_an_unknown_detail_is_422(client, digits, detail):
    response = client.post("/api/predict", json={"pixels": pixels(digits[0]), "detail": detail})
    assert response.status_code == 422
    assert "compact" in response.json()["detail"]


def test_an_image_cannot_ask_for_a_compact_trace(client):
    png = base64.b64encode(orjson.dumps({})).decode()
    response = client.post("/api/predict", json={"image": "data:image/png;base64," + png, "detail": "compact"})
    assert response.status_code == 422
    assert "compact" in response.json()["detail"]


def test_the_model_says_how_a_drawing_is_prepared(client):
    assert client.get("/api/models/mnist").json()["preparation"] == {"kind": "ink", "box": 20, "centre": "mass"}
    assert client.get("/api/models/fashion").json()["preparation"] == {"kind": "ink", "box": 28, "centre": "box"}


@pytest.mark.parametrize("conv, pool, compact", [
    ({}, {}, True),
    ({"dilation": 2}, {}, False),  # derive.js slides unit-spaced kernels only
    ({}, {"padding": 1}, False),  # and pools windows that lie inside the map
])
def test_a_model_the_page_cannot_derive_gets_the_full_trace(client, digits, monkeypatch, conv, pool, compact):
    """docs/api.md: models whose layers the page cannot derive are answered with the full trace."""
    from app.models import Model
    from app.nn.architecture import CONV, DENSE, FLATTEN, MAXPOOL, SOFTMAX, Architecture, LayerSpec
    from app.nn.network import Network

    arch = Architecture(name="odd", input_shape=(1, 28, 28), layers=(
        LayerSpec("conv1", CONV, channels=2, kernel=3, activation="relu"),
        LayerSpec("conv2", CONV, channels=2, kernel=3, activation="relu", **conv),
        LayerSpec("pool", MAXPOOL, kernel=2, stride=2, **pool),
        LayerSpec("flatten", FLATTEN), LayerSpec("fc", DENSE, channels=10), LayerSpec("softmax", SOFTMAX),
    ), class_names=tuple("0123456789"))
    monkeypatch.setitem(client.app.state.models, "odd-test", Model("odd-test", "odd", Network.initialise(arch, 0), {}))
    response = client.post("/api/predict", json={"model": "odd-test", "pixels": pixels(digits[0]), "detail": "compact"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body.get("detail") == "compact") is compact
    assert ("layers" in body) is not compact
