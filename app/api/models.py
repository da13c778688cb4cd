"""Routes that describe the shipped models: list, architecture, weights."""

from __future__ import annotations

from fastapi import APIRouter

from .deps import ModelsDep, SettingsDep, find_model
from .responses import JSONBytes
from .schemas import model_detail, model_summary, weights_response

router = APIRouter(prefix="/api", tags=["models"])


@router.get("/models")
def list_models(models: ModelsDep, settings: SettingsDep):
    """Every available model, with its classes and test accuracy."""
    return JSONBytes({"default": settings.default_model, "models": [model_summary(m) for m in models.values()]})


@router.get("/models/{model_id}")
def read_model(model_id: str, models: ModelsDep, settings: SettingsDep):
    """The architecture: each layer's shapes, parameters and receptive-field geometry."""
    return JSONBytes(model_detail(find_model(models, model_id, settings)))


@router.get("/models/{model_id}/weights")
def read_weights(model_id: str, models: ModelsDep, settings: SettingsDep):
    """Every layer's parameters as float32 tensors."""
    return JSONBytes(weights_response(find_model(models, model_id, settings)))
