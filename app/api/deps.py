"""What the routes need from the app: the loaded models and the settings, as one dependency.

One dependency, not two: FastAPI resolves each dependency on every request, and on the
predict route that bookkeeping is measurable next to a forward pass of 80 microseconds.
It is async so that FastAPI calls it on the event loop rather than in its thread pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..model_store import ID_PATTERN as TRAINED_ID
from ..model_store import ModelStore
from ..models import Model
from ..models.checkpoints import load_checkpoint
from ..settings import Settings
from .schemas import ApiError


@dataclass(frozen=True)
class Registry:
    models: dict[str, Model]
    settings: Settings
    store: ModelStore | None = None  # models trained on this server, found by id in its folder
    uploads: object | None = None  # app.upload_store.UploadStore: uploaded models, looked up when not loaded
    live: object | None = None  # app.training.live.LiveModels: ``<job>@live``, a model as it trains

    def find(self, model_id: str | None) -> Model:
        """The model with this id (the default when None), a trained one, a checkpoint of a
        shipped one (``mnist@epoch5``), or a 404 naming the choices."""
        model_id = self.settings.default_model if model_id is None else model_id
        if isinstance(model_id, str) and model_id not in self.models and self.uploads is not None and self.uploads.owns(model_id):
            from ..upload_store import StoreError

            try:  # uploaded, perhaps through another worker: read from the shared folder
                self.models[model_id] = self.uploads.get(model_id)
            except StoreError as err:
                raise ApiError(err.status, str(err)) from None
        if isinstance(model_id, str) and model_id in self.models:
            return self.models[model_id]
        found = None
        if self.live is not None and self.live.owns(model_id):
            found = self.live.get(model_id)
            if found is None:
                raise ApiError(404, f"No model {model_id!r}: that training job has not started, or ended "
                                    "more than 15 minutes ago.")
        elif isinstance(model_id, str):
            found = load_checkpoint(model_id) if "@" in model_id else self.store and self.store.get(model_id)
        if found is None and self.store is not None and isinstance(model_id, str) and TRAINED_ID.match(model_id):
            # A link to a network trained here: what a student can do about it, not a list of ids.
            raise ApiError(404, f"No model {model_id!r}: this server keeps the {self.settings.trained_models_max} "
                                "networks trained on it that were used most recently, and this one is not among "
                                "them (removed to make room, or trained on another server). Train it again under "
                                "\"Train it yourself\".")
        if found is None:  # the id as sent, cut short: a 5,000-character id need not come back whole
            shown = repr(model_id) if len(repr(model_id)) <= 60 else repr(model_id)[:57] + "..."
            raise ApiError(404, f"No model {shown}. Available models: {', '.join(sorted(self.models))}.")
        return found


async def get_registry(request: Request) -> Registry:
    return request.app.state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]
