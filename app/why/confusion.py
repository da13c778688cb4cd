"""Where the network goes wrong: its answers on its whole test set, computed once per model.

The first request computes them (about a second for LeNet on 10,000 images); later ones read
the cache. A lock keeps two first requests from both doing the work.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .saliency import softmax
from .gradients import logits as score
from .samples import TestSet

BATCH = 500


@dataclass(frozen=True)
class Answers:
    predicted: np.ndarray  # (N,) class index
    confidence: np.ndarray  # (N,) probability of the predicted class
    matrix: np.ndarray  # (K, K) counts, rows the true class, columns the predicted one

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.matrix) / self.matrix.sum())

    def cell(self, labels: np.ndarray, true: int, predicted: int) -> np.ndarray:
        """Indices of the test images of one cell, in order."""
        return np.flatnonzero((labels == true) & (self.predicted == predicted))


_cache: dict[int, Answers] = {}
_lock = threading.Lock()


def compute_answers(network, test_set: TestSet) -> Answers:
    predicted, confidence = [], []
    for start in range(0, len(test_set.labels), BATCH):
        p = softmax(score(network, test_set.inputs(start, start + BATCH)).astype(np.float64))
        predicted.append(p.argmax(axis=1))
        confidence.append(p.max(axis=1))
    predicted = np.concatenate(predicted)
    k = p.shape[1]
    matrix = np.zeros((k, k), np.int64)
    np.add.at(matrix, (test_set.labels, predicted), 1)
    return Answers(predicted, np.concatenate(confidence), matrix)


def answers_for(model, test_set: TestSet) -> Answers:
    """The model's answers on its test set, computed on first use and kept."""
    key = id(model.network)
    with _lock:
        if key not in _cache:
            _cache[key] = compute_answers(model.network, test_set)
        return _cache[key]
