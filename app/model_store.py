"""Models made on this server (trained from the page), kept in a folder every worker reads.

Ids come from the server (``t-`` and 10 hex digits); the name a student gives is only a
display name. The folder holds at most ``max_count`` models: saving one more removes the
least recently used, judged by the file's modification time, which every use refreshes.
Any worker finds a model another worker saved by looking its id up in the folder.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections import OrderedDict
from pathlib import Path

from .models import Model
from .nn import weights
from .nn.network import Network

ID_PATTERN = re.compile(r"^t-[0-9a-f]{10}$")
MEMORY_CACHE = 8  # models each worker keeps loaded (LeNet: about 250 KB each)


class LoadedModels:
    """Models read from their weights files, the `size` most recently used kept in this worker.
    A file is read again when its stamp (whatever the caller says identifies its content) changes."""

    def __init__(self, size: int):
        self.size = size
        self._loaded: OrderedDict[str, tuple[object, Model]] = OrderedDict()

    def forget(self, model_id: str) -> None:
        self._loaded.pop(model_id, None)

    def get(self, model_id: str, path: Path, stamp: object) -> Model | None:
        """The model in `path`, from memory if read with this stamp before; None if unreadable."""
        cached = self._loaded.get(model_id)
        if cached is not None and cached[0] == stamp:
            self._loaded.move_to_end(model_id)
            return cached[1]
        try:
            network, metadata = weights.load(path)
            model = Model(model_id, str(metadata.get("name") or model_id), network, metadata, path)
        except (weights.WeightsError, TypeError, ValueError):
            return None
        self._loaded[model_id] = (stamp, model)
        while len(self._loaded) > self.size:
            self._loaded.popitem(last=False)
        return model


class ModelStore:
    def __init__(self, folder: Path, max_count: int = 30):
        self.folder, self.max_count = Path(folder), max_count
        self._loaded = LoadedModels(MEMORY_CACHE)

    def path(self, model_id: str) -> Path:
        return self.folder / f"{model_id}.npz"

    def save(self, network: Network, metadata: dict) -> str:
        """Writes the model under a new id (atomically: a reader never sees half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        model_id = "t-" + secrets.token_hex(5)
        partial = self.folder / f".{model_id}.partial"
        weights.save(partial, network, metadata)
        os.replace(partial, self.path(model_id))
        self._evict()
        return model_id

    def _models(self) -> list[Path]:
        """The model files (not the exemplars kept beside them)."""
        return [p for p in self.folder.glob("t-*.npz") if ID_PATTERN.match(p.stem)]

    def _evict(self) -> None:
        files = sorted(self._models(), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self.max_count)]:
            old.unlink(missing_ok=True)
            old.with_suffix(".exemplars.npz").unlink(missing_ok=True)

    def get(self, model_id: str, touch: bool = True) -> Model | None:
        """The model with this id, or None; loaded once per worker. `touch`: counts as a use."""
        if not isinstance(model_id, str) or not ID_PATTERN.match(model_id):
            return None
        path = self.path(model_id)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            self._loaded.forget(model_id)
            return None
        if touch and time.time() - mtime > 60:  # refresh the LRU clock at most once a minute per model
            os.utime(path)
        # A trained model's file never changes under its id (touching it only moves its clock).
        return self._loaded.get(model_id, path, stamp=None)

    def ids(self) -> list[str]:
        """Every stored model's id, most recently used first."""
        files = sorted(self._models(), key=lambda p: -p.stat().st_mtime) if self.folder.is_dir() else []
        return [p.stem for p in files]
