"""What a job does after training and before `done`: the natural exemplars of the new model.

They are kept beside the model file (``t-xxxxxxxxxx.npz`` -> ``t-xxxxxxxxxx.exemplars.npz``),
the place ``cnnvis exemplars`` writes them for a shipped model, so the model file (and its
id) stays as it was saved and the why views find them as for any other model. LeNet on the
10,000 test images takes a few seconds on one core.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..why.exemplars import compute_exemplars, exemplar_path, save_exemplars
from ..why.samples import TEST_FILES, load_test_set


def add_exemplars(network, metadata: dict, model_path: Path) -> bool:
    """Computes and saves the exemplars; False when the model's data set has no shipped test set."""
    name = metadata.get("dataset")
    if name not in TEST_FILES:
        return False
    test_set = load_test_set(name)
    if tuple(test_set.images.shape[1:]) != tuple(network.architecture.input_shape):
        return False
    path = exemplar_path(model_path)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:  # a handle keeps numpy from appending ".npz"
        save_exemplars(handle, compute_exemplars(network, test_set), test_set)
    os.replace(partial, path)
    return True
