"""Routes that run the network: trace a drawing or a photo, explain one unit."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile

from ..nn.explain import explain_unit
from ..preprocess import ImageError, decode_data_url, preprocess_bytes
from .decode_gate import BUSY, Busy, gate_for
from .deps import RegistryDep
from .responses import JSONBytes
from .schemas import (
    ApiError,
    ExplainRequest,
    PredictRequest,
    explanation_response,
    openapi_body,
    parse_json_object,
    parse_pixels,
    parse_unit,
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
        pre = await gate.run(preprocess_bytes, data, settings.max_image_pixels, model.preparation)
    except ImageError as err:
        raise ApiError(err.status, str(err)) from None
    except Busy:
        # An HTTPException rather than an ApiError, for its headers: Retry-After tells a
        # client when trying again is worth it.
        raise HTTPException(503, BUSY, headers={"Retry-After": "2"}) from None
    return pre.pixels[None], pre


def _trace(model, x, pre, steps, timing, started):
    t = time.perf_counter()
    traces = model.network.trace(x)
    timing["forward"] = _us(t)
    t = time.perf_counter()
    body = trace_response(model, x, traces, pre, steps)
    timing["encode"] = _us(t)
    timing["total"] = _us(started)
    body["timing_us"] = timing
    return JSONBytes(body)


@router.post("/predict", openapi_extra=openapi_body(PredictRequest))
async def create_trace(request: Request, registry: RegistryDep):
    """Trace a 28x28 drawing (`pixels`) or an image (`image`, base64 or a data URL)."""
    started = time.perf_counter()
    data = parse_json_object(await request.body())
    model = registry.find(data.get("model"))
    timing = {"parse": 0, "preprocess": 0}
    if ("pixels" in data) == ("image" in data):
        raise ApiError(422, "Send either pixels (a 28x28 array) or image (a data URL), not both or neither.")
    if "pixels" in data:
        x, pre = parse_pixels(data["pixels"], model.architecture.input_shape), None
        timing["parse"] = _us(started)
    else:
        if not isinstance(data["image"], str):
            raise ApiError(422, "image must be a string: a base64 image or a data URL.")
        try:
            raw = decode_data_url(data["image"])
        except ImageError as err:
            raise ApiError(err.status, str(err)) from None
        timing["parse"] = _us(started)
        t = time.perf_counter()
        x, pre = await _preprocess(raw, model, registry.settings)
        timing["preprocess"] = _us(t)
    return _trace(model, x, pre, data.get("steps", True) is not False, timing, started)


@router.post("/predict/upload")
async def create_trace_from_upload(
    registry: RegistryDep,
    file: Annotated[UploadFile, File(description="any image Pillow reads")],
    model: Annotated[str | None, Form()] = None,
):
    """Trace an uploaded image file, after MNIST-style preprocessing."""
    started = time.perf_counter()
    chosen = registry.find(model)
    raw = await file.read()
    await file.close()
    timing = {"parse": _us(started)}
    t = time.perf_counter()
    x, pre = await _preprocess(raw, chosen, registry.settings)
    timing["preprocess"] = _us(t)
    return _trace(chosen, x, pre, True, timing, started)


@router.post("/explain", openapi_extra=openapi_body(ExplainRequest))
async def create_explanation(request: Request, registry: RegistryDep):
    """The exact arithmetic that produced one unit of one layer."""
    data = parse_json_object(await request.body())
    model = registry.find(data.get("model"))
    arch = model.architecture
    x = parse_pixels(data.get("pixels"), arch.input_shape)
    layer = data.get("layer")
    names = [spec.name for spec in arch.layers]
    if not isinstance(layer, str) or layer not in names:
        raise ApiError(422, f"No layer {layer!r}; the layers are {', '.join(names)}.")
    out_shape = arch.output_shapes()[arch.index(layer)]
    unit = parse_unit(data, out_shape, layer)
    traces = model.network.trace(x)
    return JSONBytes(explanation_response(model, explain_unit(model.network, x, traces, layer, unit), unit))


