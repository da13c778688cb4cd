"""Fixtures for the engine's tests: the MNIST folders."""

from __future__ import annotations

import pytest

from testdata import MNIST_SAMPLE, require_full_mnist


@pytest.fixture(scope="session")
def mnist_dir():
    """The full MNIST folder (first 10,000 training digits, all 10,000 test digits), kept
    outside the repository: only the checks that need the whole test set use it."""
    return require_full_mnist()


@pytest.fixture(scope="session")
def sample_dir():
    """The committed sample: the first 1,000 official test digits."""
    return MNIST_SAMPLE
