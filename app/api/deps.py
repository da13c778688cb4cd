"""Dependencies shared by the routes: the loaded models and the settings, from app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..models import Model
from ..settings import Settings
from .schemas import ApiError


# async, so FastAPI calls them on the event loop: a plain def dependency is run in the
# thread pool, and two thread hops per request cost more than the whole forward pass.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_models(request: Request) -> dict[str, Model]:
    return request.app.state.models


def find_model(models: dict[str, Model], model_id: str | None, settings: Settings) -> Model:
    model_id = settings.default_model if model_id is None else model_id
    if not isinstance(model_id, str) or model_id not in models:
        raise ApiError(404, f"No model {model_id!r}. Available models: {', '.join(sorted(models))}.")
    return models[model_id]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ModelsDep = Annotated[dict[str, Model], Depends(get_models)]
