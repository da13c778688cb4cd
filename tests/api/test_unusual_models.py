"""Architectures other than LeNet-5 served through the API: every route answers, never a 500."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.tensors import decode
from app.main import create_app
from app.models import Model
from app.nn.architecture import DENSE, FLATTEN, SOFTMAX, Architecture, LayerSpec
from app.nn.network import Network

# The input laid end to end, then one dense layer: logistic regression on the pixels.
FLATTEN_FIRST = Architecture(
    name="flat",
    input_shape=(1, 28, 28),
    layers=(LayerSpec("flatten", FLATTEN), LayerSpec("fc", DENSE, channels=10), LayerSpec("softmax", SOFTMAX)),
)


@pytest.fixture(scope="module")
def flat_client():
    model = Model("flat", "Pixels straight into a dense layer", Network.initialise(FLATTEN_FIRST, seed=3), {})
    with TestClient(create_app(loaded_models={"flat": model}), raise_server_exceptions=False) as client:
        yield client


def test_model_detail_of_a_network_starting_with_flatten(flat_client):
    response = flat_client.get("/api/models/flat")
    assert response.status_code == 200
    layers = response.json()["layers"]
    assert [(l["name"], l["output_shape"], l["receptive_field"]) for l in layers] == [
        ("flatten", [784], None), ("fc", [10], None), ("softmax", [10], None)
    ]
    assert layers[1]["n_params"] == 784 * 10 + 10


def test_trace_of_a_network_starting_with_flatten_carries_the_flattened_input(flat_client):
    pixels = np.zeros((28, 28))
    pixels[3, 5] = 1.0  # flattened index 3*28 + 5 = 89
    pixels[20, 1] = 0.6  # index 561; 0.6 is 153/255 after 8-bit quantisation
    response = flat_client.post("/api/predict", json={"model": "flat", "pixels": pixels.tolist()})
    assert response.status_code == 200
    flatten = response.json()["layers"][0]
    assert flatten["name"] == "flatten" and "same_as" not in flatten
    output = decode(flatten["output"]).reshape(-1)
    expected = np.zeros(784)
    expected[89], expected[561] = 1.0, 153 / 255
    np.testing.assert_allclose(output, expected, atol=1e-3)  # float16 on the wire
    assert flatten["min"] == 0 and flatten["max"] == 1


def test_explain_of_a_network_starting_with_flatten(flat_client):
    pixels = np.zeros((28, 28))
    pixels[3, 5] = 1.0
    response = flat_client.post("/api/explain", json={"model": "flat", "pixels": pixels.tolist(), "layer": "flatten", "index": 89})
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == {"channel": 0, "y": 3, "x": 5} and body["output"] == 1.0
