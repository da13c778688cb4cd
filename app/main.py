"""The FastAPI application: models loaded once at start-up, middleware, routers, static files."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.formparsers import MultiPartParser

from . import errors, web
from .compression import Gzip
from .api import labs, model_files, model_uploads, models, predict, train, why
from .api.deps import Registry
from .middleware import BodySizeLimit, HeadAsGet, SecurityHeaders, ServerErrors
from .model_store import ModelStore
from .upload_store import UploadStore, load_local
from .models import load_shipped
from .paths import STATIC_DIR
from .settings import Settings
from .training.jobs import JobStore
from .training.live import LiveModels


NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_app(settings: Settings | None = None, loaded_models: dict | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    # Uploads stay in memory (the body limit bounds them) and are never spooled to disk.
    # Starlette reads this from its class, so it holds for every app in the process.
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, settings.max_body_bytes + 1,
                                         settings.max_model_bytes + 1)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.models = loaded_models if loaded_models is not None else load_shipped(settings.models_dir)
        if loaded_models is None:
            app.state.models.update(load_local(settings.extra_models))
        store = ModelStore(settings.state_dir / "models", settings.trained_models_max)
        uploads = UploadStore(settings.uploaded_models_dir, settings.max_uploaded_models)
        live = LiveModels(settings.state_dir / "jobs")
        app.state.registry = Registry(app.state.models, settings, store, uploads, live)
        app.state.jobs = JobStore(settings.state_dir / "jobs", settings.train_max_waiting)
        yield

    # No /docs or /redoc: FastAPI builds them from a CDN with inline scripts, which neither an
    # offline classroom nor the Content-Security-Policy allows. /openapi.json stays.
    # No telemetry either: nothing here is sent anywhere, and asking on every request whether
    # a tracer is configured cost measurable CPU on the live route.
    app = FastAPI(
        title="cnnvis", summary="See inside a convolutional network.", lifespan=lifespan,
        docs_url=None, redoc_url=None, telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(Gzip, minimum_size=settings.gzip_min_bytes)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       routes={("POST", "/api/models"): settings.max_model_bytes})
    app.add_middleware(HeadAsGet)
    app.add_middleware(ServerErrors)  # inside SecurityHeaders, so a 500 carries them too
    app.add_middleware(SecurityHeaders)
    app.include_router(predict.router)  # first: the routes a drawing asks many times a second match at once
    app.include_router(model_uploads.router)
    app.include_router(models.router)
    app.include_router(labs.router)
    app.include_router(why.router)
    app.include_router(train.router)
    app.include_router(model_files.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"])
    async def read_health():
        """Liveness: answers as soon as the app is up."""
        return {"status": "ok"}

    return app


app = create_app()
