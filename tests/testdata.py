"""Where the tests find their data, in one place.

Everything most tests need is committed under tests/data: the first 1,000 official MNIST
test digits and the first 500 Fashion-MNIST test images. Only the checks that need the
whole official test set (the shipped model's accuracy on all 10,000 digits, the facts of
the full files) read the full MNIST folder, which lives outside the repository:
``../shared/data/mnist`` next to the project, or wherever CNNVIS_MNIST_DIR points.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from app.nn.idx import load_split

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA = PROJECT_ROOT / "tests" / "data"
# The first 1,000 digits of the official MNIST test set, in their original order.
MNIST_SAMPLE = DATA / "mnist-t10k-1000"
# The first 500 images of the official Fashion-MNIST test set, in their original order.
FASHION_SAMPLE = DATA / "fashion-mnist-t10k-500"


def full_mnist_dir() -> Path:
    """The full MNIST folder: CNNVIS_MNIST_DIR if set, else ../shared/data/mnist."""
    configured = os.environ.get("CNNVIS_MNIST_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data" / "mnist"


def require_full_mnist() -> Path:
    """The full MNIST folder, or a skip saying where it was looked for (a failure under CI=true)."""
    folder = full_mnist_dir()
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the full MNIST test set is not at {folder} (set CNNVIS_MNIST_DIR)")
    return folder


def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """The committed digits: images (1000, 28, 28) uint8, white on black, and labels (1000,)."""
    return load_split(MNIST_SAMPLE, "t10k")


def fashion_sample() -> tuple[np.ndarray, np.ndarray]:
    """The committed clothes: images (500, 28, 28) uint8 and labels (500,)."""
    return load_split(FASHION_SAMPLE, "t10k")
