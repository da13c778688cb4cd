"""What the routes need from the app: the loaded models and the settings, as one dependency.

One dependency, not two: FastAPI resolves each dependency on every request, and on the
predict route that bookkeeping is measurable next to a forward pass of 80 microseconds.
It is async so that FastAPI calls it on the event loop rather than in its thread pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..models import Model
from ..settings import Settings
from .schemas import ApiError


@dataclass(frozen=True)
class Registry:
    models: dict[str, Model]
    settings: Settings
    store: object | None = None  # app.model_store.ModelStore: uploads, looked up when not loaded

    def find(self, model_id: str | None) -> Model:
        """The model with this id (the default when None), or a 404 naming the choices."""
        model_id = self.settings.default_model if model_id is None else model_id
        if model_id not in self.models and self.store is not None and self.store.owns(model_id):
            from ..model_store import StoreError

            try:  # uploaded, perhaps through another worker: read from the shared folder
                self.models[model_id] = self.store.get(model_id)
            except StoreError as err:
                raise ApiError(err.status, str(err)) from None
        if not isinstance(model_id, str) or model_id not in self.models:
            raise ApiError(404, f"No model {model_id!r}. Available models: {', '.join(sorted(self.models))}.")
        return self.models[model_id]


async def get_registry(request: Request) -> Registry:
    return request.app.state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]
