"""The network as it is while it trains: a weights file the runner rewrites about once a second.

The runner writes ``<jobs>/<job>/live.npz`` (an ordinary weights file, replaced atomically) at
the job's start and then at most every SNAPSHOT_SECONDS; every progress event carries the
number of the latest one (``snapshot``). The model id ``<job>@live`` names it, so predict,
explain, weights and the page's network view all work on a model in the middle of its
training, from whichever worker the request reaches. It stays readable as long as the job's
events do (ending is not a reason to drop it: a page may still be asking).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..model_store import LoadedModels
from ..models import Model
from ..nn import weights
from ..nn.network import Network

LIVE_ID = re.compile(r"^(?P<job>j-[0-9a-f]{12})@live$")
SNAPSHOT_SECONDS = 1.0  # a new picture of the weights at most this often
FILENAME = "live.npz"
MEMORY_CACHE = 4  # live models each worker keeps loaded


def live_id(job_id: str) -> str:
    return f"{job_id}@live"


def write_snapshot(folder: Path, network: Network, metadata: dict) -> None:
    """Replaces the job's live weights file; a reader sees the old file or the new one, never half."""
    partial = Path(folder) / f".{FILENAME}.partial"
    weights.save(partial, network, metadata, compress=False)  # ~1 ms instead of ~15 ms
    os.replace(partial, Path(folder) / FILENAME)


class LiveModels:
    """Finds ``<job>@live`` in the jobs folder, re-reading it when the runner has replaced it."""

    def __init__(self, jobs_root: Path):
        self.root = Path(jobs_root)
        self._loaded = LoadedModels(MEMORY_CACHE)

    def owns(self, model_id) -> bool:
        return isinstance(model_id, str) and LIVE_ID.match(model_id) is not None

    def get(self, model_id: str) -> Model | None:
        """The latest snapshot of the job's network, or None (no such job, or not started yet)."""
        match = LIVE_ID.match(model_id) if isinstance(model_id, str) else None
        if match is None:
            return None
        path = self.root / match["job"] / FILENAME
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            self._loaded.forget(model_id)
            return None
        return self._loaded.get(model_id, path, stamp)  # read again after each new snapshot
