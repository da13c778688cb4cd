"""Keep checkpoints of a network while ``cnnvis train`` trains it, for the page's timeline slider.

``cnnvis train ... --checkpoints DIR`` writes ``DIR/<id>@epoch<N>.npz`` (``<id>`` is the name of the
``--out`` file without ``.npz``) at epoch 0 (the seeded initialisation, before any step), at the
epochs of ``KEPT_EPOCHS`` and at the last epoch. Each is an ordinary weights file whose metadata
says its epoch, the settings of the whole run and its accuracy on the folder's test split, so the
timeline can be read without re-evaluating anything. Measuring the accuracy draws nothing from the
training's random stream, so a run with checkpoints ends with the very weights of a run without.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..nn import weights
from ..nn.datasets import DATASETS
from ..nn.network import Network
from ..nn.train import TrainSettings, accuracy

KEPT_EPOCHS = (0, 1, 2, 5, 10, 20)


def kept_epochs(last: int) -> list[int]:
    """The epochs a run of `last` epochs keeps: the timeline's fixed points up to `last`, and `last`."""
    return sorted({e for e in KEPT_EPOCHS if e <= last} | {last})


class CheckpointKeeper:
    """An ``on_epoch`` hook: called with (epoch, network), writes a checkpoint when the epoch is kept."""

    def __init__(self, folder: str | Path, model_id: str, settings: TrainSettings, train_count: int,
                 test_images: np.ndarray | None = None, test_labels: np.ndarray | None = None):
        self.folder = Path(folder)
        self.model_id = model_id
        self.settings = settings
        self.train_count = train_count
        self.test = (test_images, test_labels) if test_images is not None else None
        self.epochs = kept_epochs(settings.epochs)
        self.written: list[Path] = []

    def __call__(self, epoch: int, network: Network) -> None:
        if epoch not in self.epochs:
            return
        dataset = DATASETS[self.settings.dataset]
        metadata = {
            "name": f"{self.model_id} in training", "dataset": dataset.name, "epoch": epoch,
            "of_epochs": self.settings.epochs, "preparation": dataset.preparation.to_dict(),
            "train_count": self.train_count, "settings": asdict(self.settings),
        }
        if self.test is not None:
            metadata["test_accuracy"] = accuracy(network, *self.test)
            metadata["test_count"] = len(self.test[1])
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.model_id}@epoch{epoch}.npz"
        weights.save(path, network, metadata)
        self.written.append(path)
