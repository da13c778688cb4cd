"""A model's files to take away: our weights file (.npz) and the same network as ONNX.

Both work for every model the server has: shipped, a checkpoint (``mnist@epoch5``), trained
here, uploaded, or one in the middle of its training (``<job>@live``).
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from ..models import MODELS_DIR, SHIPPED
from ..models.checkpoints import CHECKPOINTS_DIR
from .deps import RegistryDep
from .schemas import ApiError

router = APIRouter(prefix="/api", tags=["models"])

ONNX_TYPE = "application/octet-stream"  # no registered media type for ONNX


def _filename(model_id: str, suffix: str) -> str:
    """A safe file name for the download (ids are ours, but checkpoint and live ids hold '@')."""
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", model_id) + suffix


@router.get("/models/{model_id}/download")
async def download_model(model_id: str, registry: RegistryDep):
    """The model's weights file (.npz), for any model the server has."""
    model = registry.find(model_id)  # a 404 with a sentence for an unknown id
    headers = {"Content-Disposition": f'attachment; filename="{_filename(model_id, ".npz")}"'}
    if registry.store is not None and registry.store.get(model_id, touch=False) is model:
        path = registry.store.path(model_id)
    elif "@epoch" in model_id:
        path = CHECKPOINTS_DIR / f"{model_id}.npz"
    elif model_id in SHIPPED:
        path = (registry.settings.models_dir or MODELS_DIR) / SHIPPED[model_id][0]
    elif registry.live is not None and registry.live.owns(model_id):
        # Read whole at once: the runner replaces this file every second.
        body = await run_in_threadpool(model.path.read_bytes)
        return Response(body, media_type="application/octet-stream", headers=headers)
    elif model.path is not None and model.path.is_file():
        path = model.path
    else:
        raise ApiError(404, f"The model {model_id!r} has no weights file on this server to download.")
    return FileResponse(path, media_type="application/octet-stream", headers=headers)


def _onnx_bytes(model) -> bytes:
    from ..onnx_io.writer import export_network

    return export_network(model.network, graph_name=_filename(model.id, "")).SerializeToString()


@router.get("/models/{model_id}/onnx")
async def download_onnx(model_id: str, registry: RegistryDep):
    """The model as an ONNX graph (opset 13): input "input" (N, C, H, W) in raw 0..1 pixels,
    output the probabilities."""
    model = registry.find(model_id)
    try:
        body = await run_in_threadpool(_onnx_bytes, model)
    except ValueError as err:
        raise ApiError(422, f"This model cannot be written as ONNX: {err}.") from None
    headers = {"Content-Disposition": f'attachment; filename="{_filename(model_id, ".onnx")}"'}
    return Response(body, media_type=ONNX_TYPE, headers=headers)
