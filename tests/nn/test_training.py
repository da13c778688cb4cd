"""Training end to end on a few hundred real digits, and its reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn import idx
from app.nn.architecture import LENET5
from app.nn.network import Network
from app.nn.train import TrainSettings, train_network


@pytest.fixture(scope="module")
def digits(sample_dir):
    """The committed 1,000 test digits: the tests train on the first few hundred and hold
    out the last 400, which training never sees."""
    return idx.load_split(sample_dir, "t10k")


def test_training_on_600_digits_beats_chance_by_far_on_held_out_digits(digits):
    images, labels = digits
    net = Network.initialise(LENET5, seed=0)
    settings = TrainSettings(epochs=3, batch_size=32, augment=False, seed=0)
    history = train_network(net, images[:600], labels[:600], settings, show_progress=False)
    assert len(history) == 3
    assert history[-1][0] < history[0][0]  # the epoch loss falls
    held_out_images, held_out_labels = images[600:], labels[600:]
    logits = net.forward(held_out_images[:, None].astype(np.float32) / 255)
    accuracy = (logits.argmax(axis=1) == held_out_labels).mean()
    assert accuracy > 0.6  # chance is 0.1


def train_small(images, labels, seed, augment=True):
    net = Network.initialise(LENET5, seed=seed)
    settings = TrainSettings(epochs=1, batch_size=25, augment=augment, seed=seed)
    train_network(net, images, labels, settings, show_progress=False)
    return net.params


def test_same_seed_gives_identical_weights_and_another_seed_does_not(digits):
    images, labels = digits[0][:100], digits[1][:100]
    first = train_small(images, labels, seed=3)
    again = train_small(images, labels, seed=3)
    other = train_small(images, labels, seed=4)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key], err_msg=key)
    assert any(not np.array_equal(first[k], other[k]) for k in first)


def test_training_does_not_modify_the_images(digits):
    images = digits[0][:50].copy()
    train_small(images, digits[1][:50], seed=0)
    np.testing.assert_array_equal(images, digits[0][:50])


def test_training_with_sgd_also_learns(digits):
    images, labels = digits
    net = Network.initialise(LENET5, seed=1)
    settings = TrainSettings(epochs=2, batch_size=32, lr=0.05, optimizer="sgd", augment=False, seed=1)
    history = train_network(net, images[:300], labels[:300], settings, show_progress=False)
    assert history[-1][0] < history[0][0]
    assert (net.predict(idx.to_input(images[600:])) == labels[600:]).mean() > 0.25  # chance is 0.1
