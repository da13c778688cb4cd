"""Models users upload, kept in one folder that every worker reads.

A model is stored as our weights file under an id made from its content (architecture,
metadata, parameters), so the same upload twice gives the same id and every worker finds it
by that id. Files are written to a temporary name and renamed into place (atomic). The least
recently used beyond the limit are removed, leaving a small marker so that a link to one says
it was removed rather than that it never existed. Ids are checked against their pattern
before any path is made from them, so nothing is read or written outside the folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .models import Model
from .nn import weights
from .nn.network import Network

ID_PATTERN = re.compile(r"^u[0-9a-f]{16}$")
LOCAL_PREFIX = "file-"  # models given to `cnnvis serve --model`; shipped ids never start so


class StoreError(ValueError):
    """A model the store cannot keep or find; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def content_id(network: Network, metadata: dict) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(network.architecture.to_dict(), sort_keys=True).encode())
    digest.update(json.dumps(metadata, sort_keys=True).encode())
    for key in sorted(network.params):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(network.params[key], np.float32).tobytes())
    return "u" + digest.hexdigest()[:16]


def check_npz_sizes(data: bytes, max_bytes: int) -> None:
    """Refuse an archive whose members would unpack past max_bytes (a zip bomb) before reading it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise StoreError(400, f"The .npz file is not a readable archive ({err}).") from None
    if total > max_bytes:
        raise StoreError(413, f"The .npz file unpacks to {total / 2**20:.0f} MB; at most {max_bytes / 2**20:g} MB please.")


class UploadStore:
    def __init__(self, folder: Path, max_models: int):
        self.folder, self.max_models = Path(folder), max_models

    def owns(self, model_id) -> bool:
        return isinstance(model_id, str) and bool(ID_PATTERN.match(model_id))

    def _path(self, model_id: str, suffix: str = ".npz") -> Path:
        assert self.owns(model_id)  # the pattern admits no separator and no dot
        return self.folder / f"{model_id}{suffix}"

    def add(self, network: Network, metadata: dict) -> tuple[str, list[str]]:
        """Keep the model; returns its id and the ids removed to make room."""
        model_id = content_id(network, metadata)
        path = self._path(model_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as handle:
                    buffer = io.BytesIO()
                    np.savez_compressed(buffer, architecture=np.array(json.dumps(network.architecture.to_dict())),
                                        metadata=np.array(json.dumps(metadata)), **network.params)
                    handle.write(buffer.getvalue())
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        self._path(model_id, ".gone").unlink(missing_ok=True)
        os.utime(path)
        return model_id, self._evict()

    def _evict(self) -> list[str]:
        kept = sorted(self.folder.glob("u*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        removed = []
        for path in kept[self.max_models:]:
            path.unlink(missing_ok=True)
            path.with_suffix(".gone").touch()
            removed.append(path.stem)
        return removed

    def get(self, model_id: str) -> Model:
        path = self._path(model_id)
        if not path.exists():
            if self._path(model_id, ".gone").exists():
                raise StoreError(404, f"The model {model_id} was uploaded here but has been removed: the server keeps "
                                      f"only the {self.max_models} most recently used uploads. Upload it again.")
            raise StoreError(404, f"No model {model_id}: it was never uploaded here, or was deleted.")
        try:
            network, metadata = weights.load(path)
        except weights.WeightsError as err:
            raise StoreError(404, f"The model {model_id} can no longer be read ({err}).") from None
        os.utime(path)  # used: the last to be removed
        return Model(model_id, metadata.get("name", model_id), network, metadata)

    def delete(self, model_id: str) -> bool:
        path = self._path(model_id)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed


def load_local(paths) -> dict[str, Model]:
    """Models named on the command line (our .npz, or an ONNX file imported as it loads), under
    ids ``file-<name>`` that no shipped model has."""
    from .onnx_io.errors import OnnxImportError
    from .onnx_io.importer import import_onnx

    models = {}
    for raw in paths:
        path = Path(raw)
        stem = re.sub(r"[^A-Za-z0-9_-]", "-", path.stem)[:40] or "model"
        model_id = LOCAL_PREFIX + stem
        if model_id in models:
            raise weights.WeightsError(f"{path}: two models named {stem}; rename one")
        if path.suffix.lower() == ".onnx":
            if not path.is_file():
                raise FileNotFoundError(f"no file at {path}")
            try:
                network, metadata = import_onnx(path.read_bytes(), name=path.stem)
            except OnnxImportError as err:
                raise weights.WeightsError(f"{path}: {err}") from None
        else:
            network, metadata = weights.load(path)
        models[model_id] = Model(model_id, metadata.get("name", path.stem), network, metadata)
    return models
