"""Routes that describe the shipped models: list, architecture, weights."""

from __future__ import annotations

from fastapi import APIRouter

from .deps import RegistryDep
from .responses import JSONBytes
from .schemas import model_detail, model_summary, weights_response

router = APIRouter(prefix="/api", tags=["models"])


@router.get("/models")
async def list_models(registry: RegistryDep):
    """Every available model (shipped, then trained here), with its classes and test accuracy."""
    listed = [model_summary(m) for m in registry.models.values()]
    if registry.store is not None:
        trained = (registry.store.get(model_id, touch=False) for model_id in registry.store.ids())
        listed += [{**model_summary(m), "trained": True} for m in trained if m is not None]
    return JSONBytes({"default": registry.settings.default_model, "models": listed})


@router.get("/models/{model_id}")
async def read_model(model_id: str, registry: RegistryDep):
    """The architecture: each layer's shapes, parameters and receptive-field geometry."""
    return JSONBytes(model_detail(registry.find(model_id)))


@router.get("/models/{model_id}/weights")
async def read_weights(model_id: str, registry: RegistryDep):
    """Every layer's parameters as float32 tensors."""
    return JSONBytes(weights_response(registry.find(model_id)))
