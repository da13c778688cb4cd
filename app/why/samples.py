"""The official test sets shipped inside the package, and which one belongs to a model.

Each is one compressed file in app/models (uint8 images (N, C, H, W), labels (N,)): MNIST's
10,000 test digits and Fashion-MNIST's 10,000 test images. A model's metadata names its data
set; a model whose input shape differs from its data set's images has no test set.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..models import MODELS_DIR

TEST_FILES = {"mnist": "mnist-test.npz", "fashion-mnist": "fashion-test.npz"}


@dataclass(frozen=True)
class TestSet:
    name: str
    images: np.ndarray  # (N, C, H, W) uint8, 0..255
    labels: np.ndarray  # (N,) int

    def inputs(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Images start..stop as the raw 0..1 float32 pictures the network reads."""
        return self.images[start:stop].astype(np.float32) / 255


@functools.cache
def load_test_set(name: str) -> TestSet:
    with np.load(MODELS_DIR / TEST_FILES[name]) as data:
        return TestSet(name, data["images"], data["labels"].astype(np.int64))


def test_set_for(model) -> TestSet | None:
    """The shipped test set of the model's data set, or None when it has none."""
    name = model.metadata.get("dataset")
    if name not in TEST_FILES:
        return None
    test_set = load_test_set(name)
    if tuple(test_set.images.shape[1:]) != tuple(model.architecture.input_shape):
        return None
    return test_set
