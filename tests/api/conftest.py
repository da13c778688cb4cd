"""Fixtures for the HTTP API tests: one app with the shipped model, and official MNIST test
digits from the committed sample (tests/data), so they run on a fresh clone."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from testdata import mnist_sample

from .helpers import paper


@pytest.fixture(scope="session")
def client():
    """A client of the real app (shipped model loaded by the lifespan). Server errors come
    back as 500 responses rather than exceptions, so a test sees the status a user would."""
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def model(client):
    return client.app.state.models["mnist"]


@pytest.fixture(scope="session")
def mnist_test():
    """The first 1,000 official MNIST test digits: images (1000, 28, 28) uint8 and labels (1000,)."""
    return mnist_sample()


@pytest.fixture(scope="session")
def sample_digits(mnist_test):
    """300 test digits chosen once with a fixed seed, spread over the committed sample."""
    images, labels = mnist_test
    chosen = np.sort(np.random.default_rng(0).choice(len(images), 300, replace=False))
    return images[chosen], labels[chosen]


@pytest.fixture(scope="session")
def seven(mnist_test):
    """A clear 7 (the first test digit) as uint8 white ink on black."""
    images, labels = mnist_test
    assert labels[0] == 7
    return images[0]


@pytest.fixture(scope="session")
def ink(seven):
    """The 7 upscaled to 112x112 as ink strength 0..255 (255 = full ink)."""
    return 255 - paper(seven, 112)
