"""Routes that run the network: trace a drawing or a photo, explain one unit."""

from __future__ import annotations

import time
from fastapi import APIRouter, HTTPException, Request

from ..labs.run import trace_lab
from ..nn.explain import explain_unit
from ..preprocess import ImageError, preprocess_bytes
from .bodies import off_loop_if_large, read_body, read_explain_request, read_trace_request
from .compact import compact_trace_response, supports_compact
from .decode_gate import BUSY, Busy, gate_for
from .deps import RegistryDep
from .plain_route import PlainRoute, registry_of
from .responses import JSONBytes
from .schemas import (
    ApiError,
    ExplainRequest,
    PredictRequest,
    explanation_response,
    openapi_body,
    trace_response,
)

router = APIRouter(prefix="/api", tags=["predict"])

def _us(start: float) -> int:
    return round((time.perf_counter() - start) * 1e6)


async def _preprocess(data: bytes, model, settings) -> tuple:
    # Off the event loop, always: a small file can hold a large image (a 71 KB PNG of
    # 4000x4000 pixels takes most of a second to decode), and the other students wait meanwhile.
    # A few decodes at a time per process, so a class uploading at once cannot run it out of memory.
    gate = gate_for(settings.max_concurrent_decodes, settings.decode_wait_seconds)
    try:
        shape = model.architecture.input_shape
        pre = await gate.run(preprocess_bytes, data, settings.max_image_pixels, model.preparation, shape)
    except ImageError as err:
        raise ApiError(err.status, str(err)) from None
    except Busy:
        # An HTTPException rather than an ApiError, for its headers: Retry-After tells a
        # client when trying again is worth it.
        raise HTTPException(503, BUSY, headers={"Retry-After": "2"}) from None
    return pre.pixels.reshape(shape), pre


def _trace(model, x, pre, steps, timing, started, compact=False, lab=None):
    t = time.perf_counter()
    equivariance = None
    if lab:
        x, traces, equivariance = trace_lab(model.network, x, lab)
    else:
        traces = model.network.trace(x)
    timing["forward"] = _us(t)
    t = time.perf_counter()
    compact = compact and supports_compact(model)
    body = compact_trace_response(model, x, traces) if compact else trace_response(model, x, traces, pre, steps)
    if equivariance is not None:
        body["equivariance"] = equivariance
    timing["encode"] = _us(t)
    timing["total"] = _us(started)
    body["timing_us"] = timing
    return JSONBytes(body)


def plain_post(path: str, body_model):
    """@router.post for a PlainRoute: the handler gets the request alone (app/api/plain_route.py)."""
    def register(handler):
        router.add_api_route(path, handler, methods=["POST"], openapi_extra=openapi_body(body_model),
                             route_class_override=PlainRoute)
        return handler

    return register


@plain_post("/predict", PredictRequest)
async def create_trace(request: Request) -> JSONBytes:
    """Trace a picture given as `pixels` (the model's input shape, 0..1) or an image (`image`, base64 or a data URL)."""
    started = time.perf_counter()
    registry = registry_of(request)
    wanted = await off_loop_if_large(await read_body(request), read_trace_request, registry)
    timing = {"parse": _us(started), "preprocess": 0}
    x, pre = wanted.x, None
    if wanted.image is not None:
        t = time.perf_counter()
        x, pre = await _preprocess(wanted.image, wanted.model, registry.settings)
        timing["preprocess"] = _us(t)
    return _trace(wanted.model, x, pre, wanted.steps, timing, started, wanted.compact, wanted.lab)


UPLOAD_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "a PNG, JPEG, GIF, BMP or WebP picture"},
        "model": {"type": "string", "description": "a model id; the default model without it"}}}}}}}


async def _upload_form(request: Request) -> tuple[bytes, str | None]:
    """The picture's bytes and the model id from a multipart form, or a sentence saying what to
    send (the framework's own words, "Missing boundary in multipart.", tell a student nothing)."""
    try:
        form = await request.form(max_files=1, max_fields=1)
    except Exception as err:  # noqa: BLE001 - any malformed multipart body is the sender's mistake
        if getattr(err, "status_code", 400) == 413:
            raise
        raise ApiError(400, "The upload could not be read as a form: send the picture as multipart/form-data "
                            "with the file in a field named file, as the page's upload button does.") from None
    try:
        upload, model = form.get("file"), form.get("model")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "Send the picture in a form field named file: a PNG, JPEG, GIF, BMP or WebP file.")
        if model is not None and not isinstance(model, str):
            raise ApiError(422, "model must be a model's id as text, such as mnist, not a file.")
        return await upload.read(), model or None
    finally:
        await form.close()


@router.post("/predict/upload", openapi_extra=UPLOAD_FORM)
async def create_trace_from_upload(request: Request, registry: RegistryDep):
    """Trace an uploaded image file (multipart `file`, optional `model`), after MNIST-style preprocessing."""
    started = time.perf_counter()
    raw, model = await _upload_form(request)
    chosen = registry.find(model)
    timing = {"parse": _us(started)}
    t = time.perf_counter()
    x, pre = await _preprocess(raw, chosen, registry.settings)
    timing["preprocess"] = _us(t)
    return _trace(chosen, x, pre, True, timing, started)


@plain_post("/explain", ExplainRequest)
async def create_explanation(request: Request) -> JSONBytes:
    """The exact arithmetic that produced one unit of one layer."""
    registry = registry_of(request)
    model, x, layer, unit, lab = await off_loop_if_large(await read_body(request), read_explain_request, registry)
    x, traces, _ = trace_lab(model.network, x, lab)
    params = lab.edits.params(model.network)
    return JSONBytes(explanation_response(model, explain_unit(model.network, x, traces, layer, unit, params), unit))
