"""Fixtures for the engine's tests: the MNIST folders."""

from __future__ import annotations

import pytest

from .idxfiles import SAMPLE_DIR, SHARED_MNIST


@pytest.fixture(scope="session")
def mnist_dir():
    """The full MNIST folder (first 10,000 training digits, all 10,000 test digits)."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST data not found at {SHARED_MNIST}")
    return SHARED_MNIST


@pytest.fixture(scope="session")
def sample_dir():
    """The committed sample: the first 1,000 official test digits."""
    return SAMPLE_DIR
