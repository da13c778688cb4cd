"""Checkpoints of the shipped models' training: `cnnvis train --checkpoints` keeps them without
changing the run; each shipped timeline starts at the initialisation its seed reproduces, ends at
the shipped weights, gets better along the way, and every checkpoint goes through the routes any
model does (predict, explain, the labs' edits, saliency)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from app.api.tensors import decode
from app.cli import main
from app.models import MODELS_DIR, SHIPPED
from app.models.checkpoints import CHECKPOINTS_DIR, checkpoint_epochs
from app.nn import network as network_module
from app.nn import weights
from app.nn.idx import load_split, to_input
from app.nn.network import Network
from app.training.checkpoints import kept_epochs
from app.why.samples import load_test_set
from testdata import FASHION_SAMPLE, MNIST_SAMPLE

MODELS = ("mnist", "fashion")
SAMPLES = {"mnist": MNIST_SAMPLE, "fashion": FASHION_SAMPLE}


def checkpoint(model_id: str, epoch: int):
    return weights.load(CHECKPOINTS_DIR / f"{model_id}@epoch{epoch}.npz")


def shipped(model_id: str):
    return weights.load(MODELS_DIR / SHIPPED[model_id][0])


def correct_share(network: Network, images: np.ndarray, labels: np.ndarray) -> float:
    """The share of images whose largest probability is at their label, counted here."""
    probabilities = network.forward(images[:, None].astype(np.float32) / 255)
    return float(np.count_nonzero(probabilities.argmax(axis=1) == labels)) / len(labels)


def test_a_run_keeps_the_timeline_epochs_and_its_last():
    assert kept_epochs(150) == [0, 1, 2, 5, 10, 20, 150]
    assert kept_epochs(30) == [0, 1, 2, 5, 10, 20, 30]
    assert kept_epochs(20) == [0, 1, 2, 5, 10, 20]
    assert kept_epochs(3) == [0, 1, 2, 3]


def test_train_with_checkpoints_writes_them_and_ends_with_the_weights_of_a_run_without(tmp_path):
    data = tmp_path / "digits"
    data.mkdir()
    for part in ("images-idx3", "labels-idx1"):  # the committed test digits serve as both splits here
        shutil.copy(MNIST_SAMPLE / f"t10k-{part}-ubyte.gz", data / f"train-{part}-ubyte.gz")
        shutil.copy(MNIST_SAMPLE / f"t10k-{part}-ubyte.gz", data / f"t10k-{part}-ubyte.gz")
    run = ["train", "--data", str(data), "--epochs", "2", "--limit", "160", "--seed", "3"]
    assert main(run + ["--out", str(tmp_path / "plain.npz")]) == 0
    assert main(run + ["--out", str(tmp_path / "kept.npz"), "--checkpoints", str(tmp_path / "timeline")]) == 0
    names = sorted(path.name for path in (tmp_path / "timeline").iterdir())
    assert names == ["kept@epoch0.npz", "kept@epoch1.npz", "kept@epoch2.npz"]

    plain, _ = weights.load(tmp_path / "plain.npz")
    kept = {epoch: weights.load(tmp_path / "timeline" / f"kept@epoch{epoch}.npz") for epoch in (0, 1, 2)}
    fresh = Network.initialise(plain.architecture, seed=3)
    for key in plain.params:
        assert np.array_equal(kept[0][0].params[key], fresh.params[key]), key
        assert np.array_equal(kept[2][0].params[key], plain.params[key]), key  # keeping them changed nothing
    assert not np.array_equal(kept[1][0].params["conv1.w"], fresh.params["conv1.w"])

    images, labels = load_split(MNIST_SAMPLE, "t10k")
    for epoch, (network, metadata) in kept.items():
        assert metadata["epoch"] == epoch and metadata["of_epochs"] == 2 and metadata["train_count"] == 160
        assert metadata["test_count"] == 1000
        assert metadata["test_accuracy"] == correct_share(network, images, labels)


@pytest.mark.parametrize("model_id", MODELS)
def test_timeline_runs_from_the_seeded_initialisation_to_the_shipped_weights(model_id):
    epochs = checkpoint_epochs(model_id)
    final, final_metadata = shipped(model_id)
    settings = final_metadata["settings"]
    assert {0, 1, 2, 5, 10} <= set(epochs) and epochs[-1] == settings["epochs"], epochs

    first, first_metadata = checkpoint(model_id, 0)
    fresh = Network.initialise(final.architecture, seed=settings["seed"])
    last, last_metadata = checkpoint(model_id, epochs[-1])
    assert set(first.params) == set(fresh.params) == set(last.params) == set(final.params)
    for key in final.params:
        assert np.array_equal(first.params[key], fresh.params[key]), key
        assert np.array_equal(last.params[key], final.params[key]), key
    for epoch in epochs:
        _, metadata = checkpoint(model_id, epoch)
        assert metadata["epoch"] == epoch and metadata["dataset"] == final_metadata["dataset"]
        for name, value in settings.items():  # the recipe of the shipped run, setting for setting
            assert metadata["settings"][name] == value, (epoch, name)


@pytest.mark.parametrize("model_id", MODELS)
def test_accuracy_rises_across_checkpoints(model_id):
    images, labels = load_split(SAMPLES[model_id], "t10k")
    epochs = checkpoint_epochs(model_id)
    accuracy = [correct_share(checkpoint(model_id, epoch)[0], images, labels) for epoch in epochs]
    assert accuracy[0] < 0.2  # a guess
    assert accuracy[1] > 0.6 and accuracy[-1] > 0.9, accuracy
    assert accuracy[0] < accuracy[1] < accuracy[2] < accuracy[-1], accuracy
    assert max(accuracy) == accuracy[-1], accuracy


@pytest.mark.parametrize("model_id", MODELS)
def test_recorded_accuracy_is_that_on_the_official_test_set(model_id):
    network, metadata = checkpoint(model_id, 2)
    test_set = load_test_set(metadata["dataset"])
    assert metadata["test_count"] == len(test_set.labels) == 10_000
    assert metadata["test_accuracy"] == correct_share(network, test_set.images[:, 0], test_set.labels)


def test_checkpoints_are_listed_in_order_with_their_accuracy(client):
    listed = client.get("/api/models/fashion/checkpoints")
    assert listed.status_code == 200
    rows = listed.json()["checkpoints"]
    assert [row["epoch"] for row in rows] == checkpoint_epochs("fashion")
    for row in rows:
        assert row["id"] == f"fashion@epoch{row['epoch']}"
        assert row["test_accuracy"] == checkpoint("fashion", row["epoch"])[1]["test_accuracy"]


def test_a_checkpoint_answers_predict_and_explain(client, seven):
    pixels = (seven / 255).tolist()
    response = client.post("/api/predict", json={"model": "mnist@epoch5", "pixels": pixels})
    assert response.status_code == 200, response.text
    network, _ = checkpoint("mnist", 5)
    expected = network.forward(to_input(seven[None]))[0]
    assert np.allclose(response.json()["probabilities"], expected, atol=1e-5)
    explain = client.post("/api/explain", json={"model": "mnist@epoch5", "pixels": pixels, "layer": "fc3", "index": 7})
    assert explain.status_code == 200, explain.text
    assert client.post("/api/predict", json={"model": "mnist@epoch999", "pixels": pixels}).status_code == 404


def test_a_checkpoint_takes_the_labs_edits(client):
    images, labels = load_split(FASHION_SAMPLE, "t10k")
    image, label = images[0], int(labels[0])
    edits = [{"layer": "fc3", "index": label, "ablate": True}]
    body = client.post("/api/predict", json={"model": "fashion@epoch1", "pixels": (image / 255).tolist(),
                                             "steps": False, "edits": edits}).json()
    network, _ = checkpoint("fashion", 1)
    logits = network.trace((image / 255).astype(np.float32)[None])[-2].weighted_input.astype(np.float64)
    logits[label] = 0  # that unit switched off, the others as the checkpoint computes them
    np.testing.assert_allclose(body["probabilities"], np.exp(logits) / np.exp(logits).sum(), atol=1e-4)


def test_a_checkpoint_answers_saliency_with_its_own_gradient(client, seven, monkeypatch):
    rng = np.random.default_rng(0)
    # faint noise everywhere, so that no max-pool window holds a tie (the gradient is one-sided
    # there), in whole grey levels, as the server reads pixels to 8 bits
    x = np.minimum(seven.astype(np.int64) + rng.integers(0, 13, seven.shape), 255) / 255
    wanted = {"model": "mnist@epoch1", "pixels": x.tolist(), "method": "gradient"}
    body = client.post("/api/saliency", json=wanted).json()
    gradient = decode(body["map"]).astype(np.float64)
    trained, _ = checkpoint("mnist", 1)
    monkeypatch.setattr(network_module, "DTYPE", np.float64)  # central differences need float64 throughout
    network = Network(trained.architecture, {key: value.astype(np.float64) for key, value in trained.params.items()})

    def logit(x: np.ndarray) -> float:
        a = x[None, None]
        for layer in network.layers[:-1]:  # every layer but the softmax
            a = layer.forward(a, network.params, "infer")[0]
        return float(a[0, body["class"]])

    direction = rng.standard_normal(x.shape)
    step = 1e-6
    along = (logit(x + step * direction) - logit(x - step * direction)) / (2 * step)
    assert float((gradient * direction).sum()) == pytest.approx(along, rel=1e-3)
