"""Fixtures for the HTTP API tests: one app with the shipped model, and official MNIST test digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.nn.idx import load_split

from .helpers import paper

ROOT = Path(__file__).resolve().parents[2]
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"  # the project's sibling ../shared/data/mnist


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
    """The official MNIST test set (t10k): images (10000, 28, 28) uint8 and labels (10000,)."""
    if not MNIST_DIR.exists():
        pytest.skip(f"no MNIST data at {MNIST_DIR}")
    return load_split(MNIST_DIR, "t10k")


@pytest.fixture(scope="session")
def sample_digits(mnist_test):
    """300 test digits chosen once with a fixed seed, spread over the whole test set."""
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
