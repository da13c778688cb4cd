"""Accuracy and confusion matrix of a network on an MNIST-style test split."""

from __future__ import annotations

import numpy as np

from . import idx
from .network import Network


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (true.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


def evaluate(network: Network, images: np.ndarray, labels: np.ndarray) -> dict:
    predicted = network.predict(idx.to_input(images))
    n_classes = network.architecture.n_classes
    return {
        "accuracy": float((predicted == labels).mean()),
        "n": len(labels),
        "errors": int((predicted != labels).sum()),
        "class_names": list(network.architecture.class_names),
        "confusion": confusion_matrix(labels, predicted, n_classes).tolist(),
    }


def format_report(result: dict) -> str:
    names = result["class_names"]
    width = max(5, *(len(n) for n in names)) + 1
    lines = [
        f"accuracy {result['accuracy'] * 100:.2f}% on {result['n']} digits ({result['errors']} errors)",
        "",
        "confusion matrix (rows: true class, columns: predicted class)",
        " " * width + "".join(f"{n:>{width}}" for n in names),
    ]
    for name, row in zip(names, result["confusion"]):
        lines.append(f"{name:>{width}}" + "".join(f"{c:>{width}}" for c in row))
    return "\n".join(lines)
