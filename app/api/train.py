"""Routes for training from the page: start a job, follow its events, read its state, stop it."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ..models.checkpoints import checkpoint_epochs, load_checkpoint
from ..training.jobs import ENDINGS, JobStore, QueueFull
from ..training.recipe import TrainRequest
from .deps import RegistryDep
from .responses import JSONBytes
from .schemas import ApiError

router = APIRouter(prefix="/api", tags=["train"])

POLL_SECONDS = 0.1  # how often a stream looks for new events in the job's file
KEEPALIVE_SECONDS = 15.0  # a comment line keeps proxies from closing a quiet stream


def _store(request: Request) -> JobStore:
    return request.app.state.jobs


def _known(store: JobStore, job_id: str) -> dict:
    state = store.state(job_id)
    if state is None:
        raise ApiError(404, f"No training job {job_id!r}: it may have ended more than 15 minutes ago, "
                            "or the server was reset. Start a new one.")
    return state


@router.post("/train", status_code=202)
async def create_job(body: TrainRequest, request: Request, registry: RegistryDep):
    """Queues a training job; 202 with its id, 429 when the queue is full."""
    settings = registry.settings
    if body.epochs > settings.train_max_epochs:
        raise ApiError(422, f"This server trains for at most {settings.train_max_epochs} epochs: ask for fewer.")
    if body.limit is not None and body.limit > settings.train_max_images:
        raise ApiError(422, f"This server trains on at most {settings.train_max_images} images: ask for fewer.")
    job = {
        "request": body.model_dump(),
        "max_seconds": settings.train_max_seconds,
        "max_images": settings.train_max_images,
        "models_dir": str(registry.store.folder),
        "models_max": registry.store.max_count,
    }
    try:
        job_id = await asyncio.to_thread(_store(request).submit, job)
    except QueueFull:
        raise ApiError(429, f"{settings.train_max_waiting} models are already waiting to train: "
                            "try again in a few minutes.") from None
    return JSONBytes({"job": job_id}, status_code=202)


@router.get("/train/{job_id}")
async def read_job(job_id: str, request: Request):
    """The job's state (queued, running, done, failed, stopped) and its latest figures."""
    return JSONBytes({"job": job_id, **_known(_store(request), job_id)})


@router.delete("/train/{job_id}")
async def delete_job(job_id: str, request: Request):
    """Stops a queued or running job; a stopped job leaves no model."""
    store = _store(request)
    _known(store, job_id)
    before = await asyncio.to_thread(store.stop, job_id)
    return JSONBytes({"job": job_id, "was": before, "stopping": before in ("queued", "running")})


@router.get("/train/{job_id}/events")
async def stream_events(job_id: str, request: Request):
    """Server-Sent Events from the job's start, or after the Last-Event-ID a browser sends back."""
    store = _store(request)
    _known(store, job_id)
    try:
        after = max(0, int(request.headers.get("last-event-id", "0")))
    except ValueError:
        after = 0
    if store.ended_by(job_id, after):
        # Its ending was already sent: nothing more will come. A stream left open here would wait
        # for ever, and one closed would be opened again by the browser every second; 204 is how
        # Server-Sent Events tell a browser to stop asking.
        return Response(status_code=204)

    async def events():
        seen, quiet = after, 0.0
        yield "retry: 1000\n\n"
        while True:
            for number, event, data in store.events(job_id, seen):
                seen = number
                yield f"id: {number}\nevent: {event}\ndata: {json.dumps(data)}\n\n"
                if event in ENDINGS:
                    return
                quiet = 0.0
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                # Ended past a Last-Event-ID larger than its events: stop waiting. (An ending
                # written since the last look is still to be sent: the next look sends it.)
                if store.ended_by(job_id, seen):
                    return
                quiet = 0.0
                yield ": still here\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/models/{model_id}/checkpoints")
async def list_checkpoints(model_id: str, registry: RegistryDep):
    """The checkpoints kept of a shipped model's training, in order, each usable as a model id."""
    registry.find(model_id)
    listed = []
    for epoch in checkpoint_epochs(model_id):
        checkpoint = load_checkpoint(f"{model_id}@epoch{epoch}")
        if checkpoint is not None:
            listed.append({"id": checkpoint.id, "epoch": epoch, "test_accuracy": checkpoint.metadata.get("test_accuracy")})
    return JSONBytes({"model": model_id, "checkpoints": listed})
