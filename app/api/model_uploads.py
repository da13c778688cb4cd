"""Routes for models users bring: upload one (ONNX or our .npz), delete one they uploaded."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ..upload_store import StoreError, check_npz_sizes
from ..models import Model
from ..nn import weights
from ..nn.architecture import Architecture
from ..onnx_io.errors import NotOnnxError, OnnxImportError
from ..onnx_io.importer import PREPARATIONS, check_cost, import_onnx
from .deps import RegistryDep
from .responses import JSONBytes
from .schemas import ApiError, model_summary

router = APIRouter(prefix="/api", tags=["models"])

MAX_NAME = 80
MAX_CLASSES_TEXT = 4000


def _check_npz_cost(path: Path) -> None:
    """The architecture's size, checked before weights.load runs a forward pass of it."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            architecture = Architecture.from_dict(json.loads(str(archive["architecture"])))
    except Exception:  # noqa: BLE001 - weights.load reports what is wrong with the file, in words
        return
    check_cost(architecture)


def _read_model(data: bytes, name, classes, preparation, settings):
    """The file's bytes -> (network, metadata); every refusal is a StoreError with a sentence."""
    if data[:2] == b"PK":  # a zip archive: our own weights file
        check_npz_sizes(data, 4 * settings.max_model_bytes)
        with tempfile.TemporaryDirectory() as folder:  # np.load needs a file; it never outlives the request
            path = Path(folder) / "upload.npz"
            path.write_bytes(data)
            try:
                _check_npz_cost(path)
                network, metadata = weights.load(path)
            except OnnxImportError as err:
                raise StoreError(422, f"This model cannot be shown: {err}.") from None
            except weights.WeightsError as err:
                raise StoreError(400, str(err).replace(str(path), "The file")) from None
        if name:
            metadata["name"] = name
        if preparation:
            metadata["preparation"] = PREPARATIONS[preparation].to_dict()
    else:
        try:
            network, metadata = import_onnx(data, name=name, classes=classes, preparation=preparation)
        except NotOnnxError:
            raise StoreError(400, "This file is neither an ONNX model nor a .npz weights file: "
                                  "choose the .onnx file your network was exported to.") from None
        except OnnxImportError as err:
            raise StoreError(422, f"This model cannot be shown: {err}.") from None
    n_params = sum(int(v.size) for v in network.params.values())
    if n_params > settings.max_model_params:
        raise StoreError(413, f"The model has {n_params:,} parameters; this server takes at most "
                              f"{settings.max_model_params:,}.")
    return network, metadata


@router.post("/models", status_code=201)
async def create_model(request: Request, registry: RegistryDep):
    """Import a model (multipart `file`: ONNX or .npz; optional `name`, `classes`, `preparation`)."""
    settings = registry.settings
    if not settings.model_uploads or registry.uploads is None:
        raise ApiError(403, "This server does not take model uploads.")
    try:
        form = await request.form(max_files=1, max_fields=3, max_part_size=MAX_CLASSES_TEXT)
    except Exception as err:  # noqa: BLE001 - any malformed multipart body is the sender's mistake
        if getattr(err, "status_code", 400) == 413:
            raise
        raise ApiError(400, "Send the model as a multipart form with a field named file.") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(422, "Send the model file in a field named file (an .onnx or .npz file).")
    name = str(form.get("name") or "").strip()[:MAX_NAME] or None
    classes_text = str(form.get("classes") or "").strip()
    classes = [c.strip() for c in classes_text.split(",")] if classes_text else None
    preparation = str(form.get("preparation") or "").strip() or None
    if preparation is not None and preparation not in PREPARATIONS:
        raise ApiError(422, f"preparation must be one of {', '.join(PREPARATIONS)}.")
    data = await upload.read()
    if not data:
        raise ApiError(422, "The model file is empty.")
    try:
        network, metadata = await run_in_threadpool(_read_model, data, name, classes, preparation, settings)
        model_id, removed = await run_in_threadpool(registry.uploads.add, network, metadata)
    except StoreError as err:
        raise ApiError(err.status, str(err)) from None
    for old in removed:
        registry.models.pop(old, None)
    model = Model(model_id, metadata.get("name", model_id), network, metadata)
    registry.models[model_id] = model
    return JSONBytes({**model_summary(model), "uploaded": True}, status_code=201)


@router.delete("/models/{model_id}", status_code=204)
async def delete_model(model_id: str, registry: RegistryDep):
    """Remove an uploaded model; shipped models and those given to the server stay."""
    if registry.uploads is None or not registry.uploads.owns(model_id):
        raise ApiError(403 if model_id in registry.models else 404,
                       f"Only uploaded models can be deleted; {model_id!r} is not one.")
    if not registry.settings.model_uploads:
        raise ApiError(403, "This server does not take model uploads, nor delete them.")
    registry.models.pop(model_id, None)
    if not registry.uploads.delete(model_id):
        raise ApiError(404, f"No uploaded model {model_id}.")
    return Response(status_code=204)
