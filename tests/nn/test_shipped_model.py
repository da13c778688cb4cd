"""The shipped MNIST weights (app/models/mnist.npz) on official test digits."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import load_model
from app.nn.architecture import LENET5
from app.nn.idx import load_split, to_input


@pytest.fixture(scope="module")
def shipped():
    return load_model("mnist")


def accuracy(network, images, labels):
    return float((network.forward(to_input(images)).argmax(axis=1) == labels).mean())


def test_shipped_model_is_lenet5_with_ten_digit_classes(shipped):
    assert shipped.id == "mnist"
    assert shipped.architecture == LENET5
    assert shipped.architecture.class_names == tuple(str(d) for d in range(10))


def test_shipped_model_gets_at_least_99_percent_on_the_committed_1000_test_digits(shipped, sample_dir):
    images, labels = load_split(sample_dir, "t10k")
    assert len(images) == 1000
    assert accuracy(shipped.network, images, labels) >= 0.99


def test_shipped_model_gets_at_least_99_2_percent_on_all_10000_test_digits(shipped, mnist_dir):
    images, labels = load_split(mnist_dir, "t10k")
    assert len(images) == 10000
    correct = sum(
        int((shipped.network.forward(to_input(images[i : i + 1000])).argmax(axis=1) == labels[i : i + 1000]).sum())
        for i in range(0, 10000, 1000)
    )
    assert correct / 10000 >= 0.992, f"{correct} of 10000 correct"


def test_shipped_model_outputs_probabilities(shipped, sample_dir):
    images, _ = load_split(sample_dir, "t10k")
    probs = shipped.network.forward(to_input(images[:20]))
    assert probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert (probs >= 0).all()
