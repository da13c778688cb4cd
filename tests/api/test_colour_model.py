"""A small seeded colour model (every new layer kind) served through the API: its description,
a trace of raw 0..1 pixels, an explanation of a unit in every layer, its weights, and an
uploaded colour photo prepared as photos are (shorter side resized, centre crop)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.api.tensors import decode
from app.main import create_app
from app.models import Model
from app.nn.architecture import COLOUR32, Architecture, LayerSpec
from app.nn.layers import KINDS
from app.nn.network import Network
from app.settings import Settings

from .helpers import image_bytes

SOURCE = "/features/conv1/Conv"


@pytest.fixture(scope="module")
def colour():
    layers = list(COLOUR32.layers)
    layers[1] = dataclasses.replace(layers[1], source=SOURCE)
    arch = dataclasses.replace(COLOUR32, layers=tuple(layers))
    net = Network.initialise(arch, seed=4)
    rng = np.random.default_rng(5)
    for key in ("bn1", "bn2"):  # running averages as training would leave them, not the defaults
        size = net.params[f"{key}.gamma"].shape
        net.params[f"{key}.running_mean"][:] = rng.uniform(-0.5, 0.5, size)
        net.params[f"{key}.running_var"][:] = rng.uniform(0.5, 2.0, size)
        net.params[f"{key}.gamma"][:] = rng.uniform(0.5, 1.5, size)
        net.params[f"{key}.beta"][:] = rng.uniform(-0.2, 0.2, size)
    return Model("colour", "Colour test", net, {"dataset": "random", "preparation": {"kind": "photo"}})


# The kinds COLOUR32 leaves out, in a greyscale model of another size.
OTHERS = Architecture(
    name="others",
    input_shape=(1, 12, 12),
    layers=(
        LayerSpec("conv", "conv", channels=2, kernel=3, dilation=2, activation="tanh"),  # (2, 8, 8)
        LayerSpec("avg", "avgpool", kernel=3, stride=2, padding=1),  # (2, 4, 4)
        LayerSpec("leaky", "leaky_relu", slope=0.2),
        LayerSpec("squash", "sigmoid"),
        LayerSpec("flatten", "flatten"),  # (32,)
        LayerSpec("fc", "dense", channels=6, activation="leaky_relu"),
        LayerSpec("tanh", "tanh"),
        LayerSpec("out", "dense", channels=3),
        LayerSpec("softmax", "softmax"),
    ),
    class_names=("a", "b", "c"),
)


@pytest.fixture(scope="module")
def client(colour):
    others = Model("others", "Other kinds", Network.initialise(OTHERS, seed=7), {"dataset": "random"})
    app = create_app(Settings(default_model="colour"), loaded_models={"colour": colour, "others": others})
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def pixels():
    return np.round(np.random.default_rng(6).random((3, 32, 32)) * 255) / 255


def test_model_detail_describes_every_layer(client, colour):
    response = client.get("/api/models/colour")
    assert response.status_code == 200
    body = response.json()
    assert body["input_shape"] == [3, 32, 32]
    assert body["normalization"] == {"mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.2435, 0.2616]}
    assert [layer["name"] for layer in body["layers"]] == [s.name for s in COLOUR32.layers]
    by_name = {layer["name"]: layer for layer in body["layers"]}
    for layer in body["layers"]:
        assert layer["description"] and layer["reads"]["type"] in ("window", "same", "channel", "flatten", "all")
    assert by_name["conv1"]["source"] == SOURCE and "source" not in by_name["conv2"]
    assert by_name["pool1"]["reads"] == {"type": "window", "kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "channels": "own"}
    assert by_name["pool1"]["output_shape"] == [8, 16, 16]
    assert by_name["bn1"]["params"] == {"gamma": [8], "beta": [8], "running_mean": [8], "running_var": [8]}
    assert by_name["bn1"]["n_params"] == 16  # the running averages are not learnt
    assert by_name["dropout"]["rate"] == 0.25 and by_name["gap"]["reads"] == {"type": "channel"}
    # The window geometry runs through elementwise layers and stops at global pooling:
    # conv1 3x3 pad 1 -> size 3, offset -1; pool1 3x3 stride 2 pad 1 -> size 3 + 2 = 5, offset -2,
    # jump 2; conv2 3x3 pad 1 -> size 5 + 2*2 = 9, offset -2 - 2 = -4.
    assert by_name["relu2"]["receptive_field"] == {"size": 9, "jump": 2, "offset": -4}
    assert by_name["gap"]["receptive_field"] is None


def test_trace_of_raw_pixels_shows_every_layer_with_normalisation_as_a_step(client, colour, pixels):
    response = client.post("/api/predict", json={"pixels": pixels.tolist()})
    assert response.status_code == 200
    body = response.json()
    layers = {layer["name"]: layer for layer in body["layers"]}
    assert list(layers) == [s.name for s in COLOUR32.layers]
    for spec, shape in zip(COLOUR32.layers, COLOUR32.output_shapes()):
        assert layers[spec.name]["shape"] == list(shape)
    raw = decode(body["input"])
    assert body["input"]["dtype"] == "uint8"
    np.testing.assert_array_equal(raw, np.round(pixels * 255))  # the raw picture, 0..255
    mean = np.array([0.4914, 0.4822, 0.4465])[:, None, None]
    std = np.array([0.2470, 0.2435, 0.2616])[:, None, None]
    np.testing.assert_allclose(decode(layers["normalize"]["output"]), (pixels - mean) / std, atol=5e-3)
    np.testing.assert_array_equal(decode(layers["dropout"]["output"]), decode(layers["relu2"]["output"]))
    assert "weighted_input" in layers["conv1"] and "argmax" in layers["pool1"]
    assert layers["conv1"]["source"] == SOURCE
    expected = colour.network.forward(pixels[None].astype(np.float32))[0]
    np.testing.assert_allclose(body["probabilities"], expected, rtol=1e-5)


def test_a_colour_model_refuses_a_greyscale_array_with_the_shape_it_needs(client):
    response = client.post("/api/predict", json={"pixels": np.zeros((32, 32)).tolist()})
    assert response.status_code == 422
    assert "3x32x32" in response.json()["detail"]


def test_every_layer_kind_can_be_explained(client, pixels):
    for spec, shape in zip(COLOUR32.layers, COLOUR32.output_shapes()):
        unit = {"channel": 1, "y": 2, "x": 3} if len(shape) == 3 else {"index": 1}
        response = client.post("/api/explain", json={"pixels": pixels.tolist(), "layer": spec.name, **unit})
        assert response.status_code == 200, spec.name
        body = response.json()
        assert body["kind"] == spec.kind and body["layer"] == spec.name
    body = client.post("/api/explain", json={"pixels": pixels.tolist(), "layer": "normalize", "channel": 2, "y": 0, "x": 0}).json()
    assert (body["input"] - body["mean"]) / body["std"] == pytest.approx(body["output"], abs=1e-5)


def test_the_two_test_models_hold_every_kind():
    assert {s.kind for s in COLOUR32.layers + OTHERS.layers} == set(KINDS)


def test_every_layer_of_the_other_kinds_traces_and_explains(client):
    pixels = np.random.default_rng(8).random((12, 12))
    response = client.post("/api/predict", json={"model": "others", "pixels": pixels.tolist()})
    assert response.status_code == 200
    got = [(layer["name"], layer["shape"]) for layer in response.json()["layers"]]
    assert got == [(s.name, list(shape)) for s, shape in zip(OTHERS.layers, OTHERS.output_shapes())]
    for spec, shape in zip(OTHERS.layers, OTHERS.output_shapes()):
        unit = {"channel": 1, "y": 2, "x": 3} if len(shape) == 3 else {"index": 2}
        body = {"model": "others", "pixels": pixels.tolist(), "layer": spec.name, **unit}
        response = client.post("/api/explain", json=body)
        assert response.status_code == 200, spec.name
        assert response.json()["kind"] == spec.kind
    detail = client.get("/api/models/others").json()
    assert detail["layers"][0]["dilation"] == 2 and detail["layers"][2]["slope"] == 0.2


def test_weights_of_every_layer_with_parameters(client, colour):
    response = client.get("/api/models/colour/weights")
    assert response.status_code == 200
    layers = {layer["name"]: layer for layer in response.json()["layers"]}
    assert set(layers) == {"conv1", "bn1", "conv2", "bn2", "fc"}
    np.testing.assert_array_equal(decode(layers["bn2"]["running_var"]), colour.network.params["bn2.running_var"])
    assert decode(layers["conv1"]["w"]).shape == (8, 3, 3, 3)


def test_an_uploaded_colour_photo_is_resized_and_centre_cropped(client):
    # 96x64: red on the left third, green in the middle, blue on the right third. The shorter
    # side becomes 32, the picture 48x32, and the middle 32 columns are cut out: columns 8..39
    # of the resized picture, so the crop starts with 8 red columns and ends with 8 blue ones.
    picture = np.zeros((64, 96, 3), np.uint8)
    picture[:, :32, 0] = picture[:, 32:64, 1] = picture[:, 64:, 2] = 255
    data = image_bytes(Image.fromarray(picture, "RGB"))
    response = client.post("/api/predict/upload", files={"file": ("stripes.png", data, "image/png")})
    assert response.status_code == 200
    body = response.json()
    x = decode(body["input"])
    assert x.shape == (3, 32, 32)
    assert (x[0, :, :6] > 240).all() and (x[1, :, :6] < 15).all()  # red, away from the blurred edge
    assert (x[1, :, 11:21] > 240).all() and (x[0, :, 11:21] < 15).all()  # green in the middle
    assert (x[2, :, 26:] > 240).all()  # blue on the right
    pre = body["preprocessing"]
    assert pre["kind"] == "photo" and pre["resized_size"] == [48, 32] and pre["crop"] == [8, 0, 40, 32]
    assert [step["name"] for step in pre["steps"]] == ["original", "resized", "cropped"]


def test_a_drawing_sent_to_a_model_of_another_size_is_prepared_at_its_size(client):
    picture = Image.new("L", (120, 120), 0)
    picture.paste(255, (50, 10, 70, 110))  # a white "1" on black, as the drawing pad sends it
    response = client.post("/api/predict/upload", data={"model": "others"},
                           files={"file": ("one.png", image_bytes(picture), "image/png")})
    assert response.status_code == 200
    body = response.json()
    x = decode(body["input"])
    assert x.shape == (1, 12, 12)
    assert x[0, :, 5:7].mean() > x[0, :, :3].mean() + 100  # the stroke down the middle
    assert [step["name"] for step in body["preprocessing"]["steps"]][-1] == "resized"
