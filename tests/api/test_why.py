"""The "why" routes over HTTP: saliency, test samples, confusion and its gallery, exemplars,
adversary; each compared with a computation of its own (the network's plain forward pass, the
official test digits, the trace)."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tensors import decode
from app.why.samples import load_test_set

METHODS = ("gradient", "gradient_x_input", "occlusion", "gradcam")


@pytest.fixture(scope="module")
def digit(mnist_test):
    images, labels = mnist_test
    return images[0], int(labels[0])


def rows(image: np.ndarray) -> list:
    return (image.astype(np.float64) / 255).tolist()


@pytest.mark.parametrize("method", METHODS)
def test_saliency_returns_a_map_at_input_resolution_for_the_predicted_class(client, model, digit, method):
    image, label = digit
    response = client.post("/api/saliency", json={"pixels": rows(image), "method": method})
    assert response.status_code == 200
    body = response.json()
    predicted = int(model.network.forward(image[None, None] / 255.0).argmax())
    assert body["method"] == method and body["class"] == predicted == label
    saliency = decode(body["map"])
    assert saliency.shape == (28, 28) and np.isfinite(saliency).all() and np.abs(saliency).max() > 0
    assert (body["layer_map"] is None) == (method != "gradcam")
    np.testing.assert_array_equal(decode(body["input"])[0], image)
    if method == "gradcam":
        assert decode(body["layer_map"]).shape == (10, 10) and body["layer"] == "conv2"


def test_saliency_randomized_names_its_seed_and_keeps_the_original_class(client, model, digit):
    image, label = digit
    plain = client.post("/api/saliency", json={"pixels": rows(image), "method": "gradient"}).json()
    response = client.post("/api/saliency", json={"pixels": rows(image), "method": "gradient", "randomize": True})
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["seed"], int) and body["class"] == label
    assert not np.allclose(decode(body["map"]), decode(plain["map"]))


@pytest.mark.parametrize("change, words", [
    ({"method": "magic"}, "method must be one of"),
    ({"class": 10}, "class must be a whole number from 0 to 9"),
    ({"class": True}, "class must be"),
    ({"method": "occlusion", "patch": 0}, "patch must be"),
    ({"method": "occlusion", "stride": 1e9}, "stride must be"),
    ({"method": "occlusion", "fill": "grey"}, "fill must be a number"),
    ({"method": "gradcam", "layer": "fc1"}, "Grad-CAM needs a layer of maps"),
    ({"randomize": "yes"}, "randomize must be true or false"),
    ({"pixels": [[0.5] * 27] * 28}, "pixels must be"),
])
def test_saliency_refuses_bad_requests_with_a_sentence(client, digit, change, words):
    body = {"pixels": rows(digit[0]), "method": "gradient", **change}
    response = client.post("/api/saliency", json=body)
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_sample_is_the_official_test_digit(client, mnist_test):
    images, labels = mnist_test
    listing = client.get("/api/models/mnist/samples")
    assert listing.status_code == 200
    assert listing.json()["n"] == 10_000 and listing.json()["labels"][:1000] == labels.tolist()
    response = client.get("/api/models/mnist/samples/123")
    assert response.status_code == 200
    body = response.json()
    assert body["index"] == 123 and body["label"] == labels[123]
    np.testing.assert_array_equal(decode(body["pixels"]), images[123][None])


@pytest.mark.parametrize("index", ["10000", "-1", "x", "1e3"])
def test_sample_out_of_range_is_a_404_with_the_range(client, index):
    response = client.get(f"/api/models/mnist/samples/{index}")
    assert response.status_code == 404
    assert "numbered 0 to 9999" in response.json()["detail"]


def test_confusion_diagonal_equals_the_stated_accuracy(client, model):
    response = client.get("/api/models/mnist/confusion")
    assert response.status_code == 200
    body = response.json()
    matrix = np.array(body["matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == body["n"] == 10_000
    assert round(np.trace(matrix) / matrix.sum(), 4) == model.metadata["test_accuracy"]
    labels = load_test_set("mnist").labels
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(labels, minlength=10))


def test_gallery_cell_holds_exactly_that_cells_images(client, model, mnist_test):
    images, labels = mnist_test
    predicted = model.network.forward(images[:, None] / 255.0).argmax(axis=1)  # the first 1,000
    wrong = np.flatnonzero(predicted != labels)
    t, p = int(labels[wrong[0]]), int(predicted[wrong[0]])
    response = client.get(f"/api/models/mnist/confusion/{t}/{p}")
    assert response.status_code == 200
    body = response.json()
    listed = [item["sample"] for item in body["items"]]
    expected = np.flatnonzero((labels == t) & (predicted == p)).tolist()
    assert [i for i in listed if i < 1000] == expected
    assert body["count"] == len(listed) == np.array(client.get("/api/models/mnist/confusion").json()["matrix"])[t, p]
    assert all(item["label"] == t and item["predicted"] == p and 0 < item["confidence"] <= 1 for item in body["items"])


@pytest.mark.parametrize("layer, key, unit", [("conv1", "channel", 2), ("pool2", "channel", 11), ("fc1", "index", 7)])
def test_exemplars_match_the_trace_and_none_exceeds_the_ninth(client, model, layer, key, unit):
    response = client.get(f"/api/models/mnist/exemplars?layer={layer}&{key}={unit}")
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 9
    test_set = load_test_set("mnist")
    i = [item.name for item in model.network.layers].index(layer)
    for item in items:
        out = model.network.trace(test_set.images[item["sample"]] / 255.0)[i].output
        value = out[unit, item["y"], item["x"]] if key == "channel" else out[unit]
        assert item["activation"] == pytest.approx(float(value), rel=1e-5, abs=1e-6)
        if key == "channel":
            assert out[unit].max() == pytest.approx(item["activation"], rel=1e-5, abs=1e-6)
            y0, x0, y1, x1 = item["box"]
            jump = 1 if layer == "conv1" else 4  # input pixels between two neighbouring units
            assert y0 <= item["y"] * jump <= y1 and x0 <= item["x"] * jump <= x1
        else:
            assert item["box"] == [0, 0, 27, 27]
    # Every test image's strongest response, from a plain forward pass layer by layer.
    a = test_set.images.astype(np.float32) / 255
    for layer_obj in model.network.layers[: i + 1]:
        a = layer_obj.forward(a, model.network.params, "infer")[0]
    strongest = a[:, unit].reshape(len(a), -1).max(axis=1)
    ninth = items[-1]["activation"]
    assert np.sum(strongest > ninth + 1e-6) <= 8
    assert [it["activation"] for it in items] == sorted((it["activation"] for it in items), reverse=True)


def test_exemplars_refuse_unknown_layer_and_unit(client):
    assert client.get("/api/models/mnist/exemplars?layer=nope&channel=0").status_code == 422
    response = client.get("/api/models/mnist/exemplars?layer=conv1&channel=6")
    assert response.status_code == 422
    assert "from 0 to 5" in response.json()["detail"]


@pytest.mark.parametrize("epsilon", [0.03, 0.1, 0.2, 0.37])
def test_adversary_never_exceeds_the_budget(client, mnist_test, epsilon):
    images, _ = mnist_test
    for image in images[:3]:
        response = client.post("/api/adversary", json={"pixels": rows(image), "epsilon": epsilon})
        assert response.status_code == 200
        body = response.json()
        x0 = image[None] / 255.0
        changed = decode(body["pixels"])
        assert np.abs(changed - x0).max() <= epsilon + 1 / 255 + 1e-6
        assert changed.min() >= 0 and changed.max() <= 1
        np.testing.assert_allclose(decode(body["perturbation"]), changed - x0, atol=1e-6)
        np.testing.assert_allclose(changed * 255, np.round(changed * 255), atol=1e-3)  # 8-bit steps


def test_adversary_with_zero_budget_returns_pixels_unchanged(client, digit):
    image, label = digit
    response = client.post("/api/adversary", json={"pixels": rows(image), "epsilon": 0})
    assert response.status_code == 200
    body = response.json()
    np.testing.assert_array_equal(decode(body["pixels"]), image[None] / np.float32(255))
    assert body["success"] is False and body["label"] == label


def test_adversary_at_point_two_changes_the_answer(client, model, digit):
    image, label = digit
    body = client.post("/api/adversary", json={"pixels": rows(image), "epsilon": 0.2}).json()
    assert body["success"] is True and body["label"] != label
    # The returned picture really is answered so by the network's plain forward pass.
    assert int(model.network.forward(decode(body["pixels"])[None]).argmax()) == body["label"]


@pytest.mark.parametrize("change, words", [
    ({"epsilon": 0.6}, "epsilon must be a number from 0 to 0.5"),
    ({"epsilon": None}, "epsilon must be"),
    ({"target": 12}, "target must be"),
    ({"steps": 0}, "steps must be"),
    ({"steps": 10_000}, "steps must be"),
])
def test_adversary_refuses_bad_requests_with_a_sentence(client, digit, change, words):
    response = client.post("/api/adversary", json={"pixels": rows(digit[0]), "epsilon": 0.1, **change})
    assert response.status_code == 422
    assert words in response.json()["detail"]



@pytest.mark.parametrize("epsilon, levels", [(0.005, 1), (0.01, 2)])
def test_adversary_budget_is_rounded_down_and_each_step_is_at_least_one_8_bit_level(client, mnist_test, epsilon, levels):
    """docs/api.md: the budget is rounded down to whole 8-bit steps (0.01 is 2.55 levels: 2;
    0.005 is 1.275: 1), and each step is a quarter of it but at least one level. Three steps of
    one level each bring some pixel to exactly the budget; none goes past it."""
    images, _ = mnist_test
    for image in images[:3]:
        body = client.post("/api/adversary", json={"pixels": rows(image), "epsilon": epsilon, "steps": 3}).json()
        assert body["success"] is False and body["steps_taken"] == 3  # too small a budget to fool it
        moved = np.round(np.abs(decode(body["pixels"]) * 255 - image[None].astype(np.float32)))
        assert moved.max() == levels


def test_adversary_with_a_target_is_pushed_to_that_class(client, model, mnist_test):
    images, labels = mnist_test
    for image, label, target in [(images[0], labels[0], 3), (images[1], labels[1], 8)]:
        body = client.post("/api/adversary", json={"pixels": rows(image), "epsilon": 0.3, "target": target,
                                                    "steps": 30}).json()
        assert body["original_label"] == label and body["success"] is True and body["label"] == target
        assert int(model.network.forward(decode(body["pixels"])[None]).argmax()) == target


def test_gallery_confidence_is_the_networks_probability_of_its_answer(client, model, mnist_test):
    images, labels = mnist_test
    t = int(labels[0])
    items = client.get(f"/api/models/mnist/confusion/{t}/{t}").json()["items"][:5]
    for item in items:
        probabilities = model.network.forward(images[item["sample"]][None, None] / 255.0)[0]
        assert item["confidence"] == pytest.approx(float(probabilities.max()), rel=1e-5)
        assert int(probabilities.argmax()) == item["predicted"] == t


def test_computed_exemplars_match_a_plain_loop_with_ties_to_the_lower_sample():
    """compute_exemplars (what `cnnvis exemplars` and a finished training job save) against a
    loop over images and positions: each image scored by its strongest position (the first in
    row order), the 9 best kept, equal scores in order of the sample. Every image comes twice,
    so every score is tied."""
    from app.models import load_model
    from app.why.exemplars import compute_exemplars
    from app.why.samples import TestSet

    network = load_model("mnist").network
    images = load_test_set("mnist").images[:12]
    test_set = TestSet("mnist", np.concatenate([images, images]), np.zeros(24, np.int64))
    got = compute_exemplars(network, test_set)
    a = test_set.inputs()
    for i, layer in enumerate(network.layers):
        a = layer.forward(a, network.params, "infer")[0]
        if layer.name not in ("conv2", "fc1"):
            continue
        for unit in (0, 5):
            scored = []
            for sample in range(24):
                if a.ndim == 4:
                    m = a[sample, unit]
                    y, x = divmod(int(np.argmax(m)), m.shape[1])
                    scored.append((-float(m[y, x]), sample, y, x))
                else:
                    scored.append((-float(a[sample, unit]), sample, 0, 0))
            best = sorted(scored)[:9]  # by score, then by sample
            assert got[f"{layer.name}/sample"][unit].tolist() == [s for _, s, _, _ in best]
            if a.ndim == 4:
                assert got[f"{layer.name}/y"][unit].tolist() == [y for _, _, y, _ in best]
                assert got[f"{layer.name}/x"][unit].tolist() == [x for _, _, _, x in best]


def test_a_gallery_cell_lists_the_first_100_of_its_images(client, mnist_test):
    t = int(mnist_test[1][0])
    body = client.get(f"/api/models/mnist/confusion/{t}/{t}").json()  # the right answers: ~1,000 images
    matrix = np.array(client.get("/api/models/mnist/confusion").json()["matrix"])
    assert body["count"] == matrix[t, t] > 100
    assert len(body["items"]) == 100
    samples = [item["sample"] for item in body["items"]]
    assert samples == sorted(samples)  # in order: the first 100


def _wide_model(monkeypatch, client, side: int):
    """A small greyscale model of side x side input put among the server's models, as an upload would be."""
    from app.models import Model
    from app.nn.architecture import CONV, DENSE, FLATTEN, SOFTMAX, Architecture, LayerSpec
    from app.nn.network import Network

    arch = Architecture(name="wide", input_shape=(1, side, side), layers=(
        LayerSpec("conv", CONV, channels=1, kernel=3, stride=3, activation="relu"),
        LayerSpec("flatten", FLATTEN), LayerSpec("fc", DENSE, channels=2), LayerSpec("softmax", SOFTMAX),
    ), class_names=("a", "b"))
    model = Model("wide-test", "wide", Network.initialise(arch, seed=0), {"dataset": "mnist"})
    monkeypatch.setitem(client.app.state.models, model.id, model)
    return model


def test_occlusion_positions_are_counted_with_the_overhanging_ones(client, monkeypatch):
    """docs/api.md: positions 0, stride, 2 stride, ... while below the side, at most 1,024: on a
    65x65 input stride 2 gives 33 x 33 = 1,089 positions (refused), stride 3 gives 22 x 22."""
    _wide_model(monkeypatch, client, 65)
    body = {"model": "wide-test", "pixels": np.zeros((65, 65)).tolist(), "method": "occlusion"}
    response = client.post("/api/saliency", json={**body, "stride": 2})
    assert response.status_code == 422 and "more than 1024 patch positions" in response.json()["detail"]
    assert client.post("/api/saliency", json={**body, "stride": 3}).status_code == 200


def test_a_model_whose_input_is_not_its_data_sets_has_no_test_set(client, monkeypatch):
    """Its metadata names MNIST, but MNIST's 28x28 digits are not pictures it can read."""
    _wide_model(monkeypatch, client, 32)
    response = client.get("/api/models/wide-test/samples")
    assert response.status_code == 404 and "no shipped test set" in response.json()["detail"]
    assert client.get("/api/models/wide-test/confusion").status_code == 404


@pytest.mark.parametrize("route, change, words", [
    ("saliency", {"method": "occlusion", "patch": 29}, "patch must be a whole number from 1 to 28"),
    ("saliency", {"method": "occlusion", "stride": 29}, "stride must be a whole number from 1 to 28"),
    ("saliency", {"method": "occlusion", "fill": -0.01}, "fill must be a number from 0 to 1"),
    ("saliency", {"method": "gradient", "image": "data:image/png;base64,AAAA"}, "not both or neither"),
    ("adversary", {"epsilon": 0.1, "steps": 101}, "steps must be a whole number from 1 to 100"),
    ("adversary", {"epsilon": 0.5, "steps": 100}, None),  # both limits themselves are allowed
])
def test_why_limits_are_those_documented(client, digit, route, change, words):
    response = client.post(f"/api/{route}", json={"pixels": rows(digit[0]), **change})
    if words is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 422 and words in response.json()["detail"]
