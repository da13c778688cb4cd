"""The shipped checkpoints of a model's training: epoch 0 is the seeded initialisation, accuracy
rises along the timeline, and every checkpoint goes through the routes any model does."""

from __future__ import annotations

import numpy as np

from app.models.checkpoints import CHECKPOINTS_DIR, checkpoint_epochs
from app.nn import weights
from app.nn.idx import to_input
from app.nn.network import Network


def test_mnist_has_the_timeline_the_slider_needs():
    epochs = checkpoint_epochs("mnist")
    assert {0, 1, 2, 5, 10, 20} <= set(epochs)


def test_checkpoint_at_epoch_0_is_the_initialisation_its_seed_reproduces():
    network, metadata = weights.load(CHECKPOINTS_DIR / "mnist@epoch0.npz")
    fresh = Network.initialise(network.architecture, seed=metadata["settings"]["seed"])
    assert set(fresh.params) == set(network.params)
    for key, value in fresh.params.items():
        assert np.array_equal(value, network.params[key]), key
    # and training moved every weight away from it
    trained, _ = weights.load(CHECKPOINTS_DIR / "mnist@epoch1.npz")
    assert not np.array_equal(trained.params["conv1.w"], network.params["conv1.w"])


def test_accuracy_rises_across_checkpoints(mnist_test):
    images, labels = mnist_test
    x = to_input(images)
    accuracy = []
    for epoch in (0, 1, 5, checkpoint_epochs("mnist")[-1]):
        network, _ = weights.load(CHECKPOINTS_DIR / f"mnist@epoch{epoch}.npz")
        accuracy.append(float((network.predict(x) == labels).mean()))
    assert accuracy[0] < 0.2  # a guess
    assert accuracy == sorted(accuracy) and accuracy[-1] > 0.9, accuracy


def test_a_checkpoint_answers_predict_explain_and_is_listed(client, seven):
    listed = client.get("/api/models/mnist/checkpoints")
    assert listed.status_code == 200
    ids = [c["id"] for c in listed.json()["checkpoints"]]
    assert ids[0] == "mnist@epoch0" and "mnist@epoch5" in ids
    pixels = (seven / 255).tolist()
    response = client.post("/api/predict", json={"model": "mnist@epoch5", "pixels": pixels})
    assert response.status_code == 200, response.text
    network, _ = weights.load(CHECKPOINTS_DIR / "mnist@epoch5.npz")
    expected = network.forward(to_input(seven[None]))[0]
    assert np.allclose(response.json()["probabilities"], expected, atol=1e-5)
    explain = client.post("/api/explain", json={"model": "mnist@epoch5", "pixels": pixels, "layer": "fc3", "index": 7})
    assert explain.status_code == 200, explain.text
    assert client.post("/api/predict", json={"model": "mnist@epoch999", "pixels": pixels}).status_code == 404
