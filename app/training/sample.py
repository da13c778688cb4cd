"""The training samples shipped inside the package, so that training works with no data folder.

Each sample is a compressed .npz of uint8 ``images`` (N, 28, 28) and ``labels`` (N,): the
first 10,000 training images of MNIST and of Fashion-MNIST. The last tenth of a sample is
held out: training never sees it, and the job's val accuracy is measured on it.

Rebuild one with ``python -m app.training.sample DATA_DIR OUT.npz [COUNT]``.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..nn import idx

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "models"
SAMPLE_FILES = {"mnist": "mnist-train-sample.npz", "fashion-mnist": "fashion-mnist-train-sample.npz"}
HELD_OUT_SHARE = 0.1


@lru_cache(maxsize=2)
def load_sample(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) of a shipped sample, read once per process."""
    with np.load(SAMPLES_DIR / SAMPLE_FILES[dataset], allow_pickle=False) as data:
        return data["images"], data["labels"]


def split(dataset: str, limit: int | None = None):
    """(train images, train labels, held-out images, held-out labels); `limit` caps the training
    part only, so val accuracy is always measured on the same held-out images."""
    images, labels = load_sample(dataset)
    n_val = int(len(images) * HELD_OUT_SHARE)
    cut = len(images) - n_val
    n_train = cut if limit is None else min(limit, cut)
    return images[:n_train], labels[:n_train], images[cut:], labels[cut:]


def write_sample(data_dir: str | Path, out: str | Path, count: int = 10_000) -> None:
    images, labels = idx.load_split(data_dir, "train")
    with open(out, "wb") as handle:
        np.savez_compressed(handle, images=np.ascontiguousarray(images[:count]), labels=labels[:count])


if __name__ == "__main__":
    write_sample(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:4]))
