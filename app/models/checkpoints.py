"""Checkpoints of the shipped models, so the page can show a model learning: ``fashion@epoch5``.

They live beside the model files, in ``checkpoints/<id>@epoch<N>.npz``, written by
``cnnvis train --checkpoints`` while it trains (see app/training/checkpoints.py); each is an
ordinary weights file whose metadata says its epoch and test accuracy, so a checkpoint goes
through the same predict, explain, lab and saliency routes as any model.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..nn import weights
from . import MODELS_DIR, Model

CHECKPOINTS_DIR = MODELS_DIR / "checkpoints"
CHECKPOINT_ID = re.compile(r"^(?P<model>[a-z]+)@epoch(?P<epoch>\d{1,3})$")


def checkpoint_epochs(model_id: str) -> list[int]:
    """The epochs a shipped model has checkpoints of, in order (empty when it has none)."""
    found = []
    for path in CHECKPOINTS_DIR.glob(f"{model_id}@epoch*.npz"):
        match = CHECKPOINT_ID.match(path.stem)
        if match and match["model"] == model_id:
            found.append(int(match["epoch"]))
    return sorted(found)


@lru_cache(maxsize=16)
def load_checkpoint(checkpoint_id: str) -> Model | None:
    """The checkpoint with this id, or None if there is no such file."""
    match = CHECKPOINT_ID.match(checkpoint_id) if isinstance(checkpoint_id, str) else None
    if match is None:
        return None
    path = CHECKPOINTS_DIR / f"{match['model']}@epoch{int(match['epoch'])}.npz"
    if not path.is_file():
        return None
    network, metadata = weights.load(path)
    return Model(checkpoint_id, f"{metadata.get('name', match['model'])}, epoch {int(match['epoch'])}", network, metadata)
