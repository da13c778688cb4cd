"""Tensors on the wire are what docs/api.md promises: base64 of little-endian bytes in C order.

Decoded here by hand with explicitly little-endian NumPy types (not with app.api.tensors,
which would agree with the server whatever byte order both used), and compared with the
engine's own arrays."""

from __future__ import annotations

import base64

import numpy as np

from .helpers import pixels_of

LITTLE_ENDIAN = {"float32": "<f4", "float16": "<f2", "uint8": "u1"}


def by_hand(tensor: dict) -> np.ndarray:
    raw = base64.b64decode(tensor["data"], validate=True)
    return np.frombuffer(raw, LITTLE_ENDIAN[tensor["dtype"]]).reshape(tensor["shape"])


def test_weights_travel_as_little_endian_float32(client, model):
    response = client.get("/api/models/mnist/weights")
    assert response.status_code == 200
    conv1 = response.json()["layers"][0]
    assert conv1["name"] == "conv1" and conv1["w"]["dtype"] == "float32"
    np.testing.assert_array_equal(by_hand(conv1["w"]), model.network.params["conv1.w"])


def test_trace_maps_travel_as_little_endian_float16_and_the_input_as_bytes(client, model, seven):
    response = client.post("/api/predict", json={"pixels": pixels_of(seven)})
    assert response.status_code == 200
    body = response.json()
    np.testing.assert_array_equal(by_hand(body["input"]), seven[None])
    traces = {t.name: t for t in model.network.trace(seven[None].astype(np.float32) / 255)}
    conv1 = next(layer for layer in body["layers"] if layer["name"] == "conv1")
    assert conv1["output"]["dtype"] == "float16"
    np.testing.assert_allclose(by_hand(conv1["output"]), traces["conv1"].output, rtol=1e-3, atol=1e-3)
    pool1 = next(layer for layer in body["layers"] if layer["name"] == "pool1")
    np.testing.assert_array_equal(by_hand(pool1["argmax"]), traces["pool1"].argmax)
