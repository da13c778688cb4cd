"""GET /healthz, /api/models, /api/models/{id}, /api/models/{id}/weights, and unknown routes."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tensors import decode

# LeNet-5 as shipped, worked out by hand from docs/api.md: (name, kind, output shape, params)
LENET5 = [
    ("conv1", "conv", [6, 28, 28], {"w": [6, 1, 5, 5], "b": [6]}),
    ("pool1", "maxpool", [6, 14, 14], {}),
    ("conv2", "conv", [16, 10, 10], {"w": [16, 6, 5, 5], "b": [16]}),
    ("pool2", "maxpool", [16, 5, 5], {}),
    ("flatten", "flatten", [400], {}),
    ("fc1", "dense", [120], {"w": [400, 120], "b": [120]}),
    ("fc2", "dense", [84], {"w": [120, 84], "b": [84]}),
    ("fc3", "dense", [10], {"w": [84, 10], "b": [10]}),
    ("softmax", "softmax", [10], {}),
]
# Receptive fields chained by hand: size += (K - 1) * jump, offset -= pad * jump, jump *= stride.
# conv1 5x5 pad 2: (5, 1, -2); pool1 2x2/2: (6, 2, -2); conv2 5x5: (14, 2, -2); pool2: (16, 4, -2).
RECEPTIVE = {
    "conv1": {"size": 5, "jump": 1, "offset": -2},
    "pool1": {"size": 6, "jump": 2, "offset": -2},
    "conv2": {"size": 14, "jump": 2, "offset": -2},
    "pool2": {"size": 16, "jump": 4, "offset": -2},
}


def test_health_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_models_lists_mnist_with_its_classes_and_accuracy(client):
    response = client.get("/api/models")
    assert response.status_code == 200
    body = response.json()
    assert body["default"] == "mnist"
    (summary,) = [m for m in body["models"] if m["id"] == "mnist"]
    assert summary["class_names"] == [str(d) for d in range(10)]
    assert summary["input_shape"] == [1, 28, 28]
    assert summary["dataset"] == "mnist"
    assert isinstance(summary["name"], str) and summary["name"]
    assert 0.97 <= summary["test_accuracy"] <= 1.0


def test_model_detail_describes_every_layer_in_order(client):
    response = client.get("/api/models/mnist")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "mnist" and body["input_shape"] == [1, 28, 28]
    layers = body["layers"]
    assert [(l["name"], l["kind"], l["output_shape"], l["params"]) for l in layers] == LENET5
    previous = [1, 28, 28]
    for layer in layers:
        assert layer["input_shape"] == previous
        previous = layer["output_shape"]
        assert layer["n_params"] == sum(int(np.prod(s)) for s in layer["params"].values())
    by_name = {l["name"]: l for l in layers}
    assert (by_name["conv1"]["kernel"], by_name["conv1"]["padding"], by_name["conv1"]["activation"]) == (5, 2, "relu")
    assert by_name["fc3"]["activation"] is None


def test_model_detail_gives_receptive_fields_of_map_layers(client):
    response = client.get("/api/models/mnist")
    assert response.status_code == 200
    fields = {l["name"]: l["receptive_field"] for l in response.json()["layers"]}
    for name, expected in RECEPTIVE.items():
        assert fields[name] == expected, name
    for name in ("flatten", "fc1", "fc2", "fc3", "softmax"):
        assert fields[name] is None


def test_weights_decode_to_the_model_parameters(client, model):
    response = client.get("/api/models/mnist/weights")
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "mnist"
    assert [l["name"] for l in body["layers"]] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    for layer in body["layers"]:
        for key in ("w", "b"):
            assert layer[key]["dtype"] == "float32"
            decoded = decode(layer[key])
            expected = model.network.params[f"{layer['name']}.{key}"]
            assert decoded.shape == expected.shape
            np.testing.assert_array_equal(decoded, expected)  # float32 on the wire: bit for bit


@pytest.mark.parametrize("path", ["/api/models/nope", "/api/models/nope/weights", "/api/models/MNIST"])
def test_unknown_model_is_404_naming_the_available_ones(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "mnist" in response.json()["detail"]


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/nope"), ("GET", "/api/nope"), ("POST", "/api/models/mnist/x"), ("GET", "/static/nope.js")],
)
def test_unknown_route_is_404_json(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_wrong_method_is_405_json(client):
    response = client.get("/api/predict")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


# -- the downloads ----------------------------------------------------------------------------
def test_a_shipped_model_and_a_checkpoint_download_as_attachments_of_their_own_files(client):
    import onnx

    from app.models import MODELS_DIR

    shipped = client.get("/api/models/mnist/download")
    assert shipped.status_code == 200
    assert shipped.content == (MODELS_DIR / "mnist.npz").read_bytes()
    assert shipped.headers["content-type"] == "application/octet-stream"
    assert shipped.headers["content-disposition"] == 'attachment; filename="mnist.npz"'
    checkpoint = client.get("/api/models/mnist/checkpoints").json()["checkpoints"][0]["id"]  # mnist@epoch<n>
    weights = client.get(f"/api/models/{checkpoint}/download")
    assert weights.status_code == 200
    assert weights.content == (MODELS_DIR / "checkpoints" / f"{checkpoint}.npz").read_bytes()
    assert weights.headers["content-disposition"] == f'attachment; filename="{checkpoint}.npz"'
    graph = client.get(f"/api/models/{checkpoint}/onnx")
    assert graph.status_code == 200
    assert graph.headers["content-type"] == "application/octet-stream"
    assert graph.headers["content-disposition"] == f'attachment; filename="{checkpoint}.onnx"'  # docs/api.md
    assert [i.name for i in onnx.ModelProto.FromString(graph.content).graph.input] == ["input"]


def test_a_server_given_its_own_models_folder_downloads_the_files_in_it(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.models import load_model
    from app.nn import weights
    from app.settings import Settings

    for model_id in ("mnist", "fashion"):
        model = load_model(model_id)
        weights.save(tmp_path / f"{model_id}.npz", model.network, {**model.metadata, "name": f"Our own {model_id}"})
    with TestClient(create_app(Settings(models_dir=tmp_path)), raise_server_exceptions=False) as own:
        response = own.get("/api/models/mnist/download")
    assert response.status_code == 200
    assert response.content == (tmp_path / "mnist.npz").read_bytes()
