"""Routes of the labs: convolve any kernel over a picture, sweep a transform over the network."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from ..labs.convolve import ConvolveError, convolve
from ..labs.sweep import sweep
from ..labs.transform import Transform
from .bodies import _json_object, off_loop_if_large, read_body
from .deps import Registry, RegistryDep
from .lab_bodies import parse_lab, parse_transform, read_convolve_request
from .responses import JSONBytes
from .schemas import ApiError, parse_pixels
from .tensors import encode

router = APIRouter(prefix="/api", tags=["labs"])


def _convolve(body: bytes, max_pixels: int) -> dict:
    x, kernel, settings = read_convolve_request(_json_object(body), max_pixels)
    try:
        result = convolve(x, kernel, settings)
    except ConvolveError as err:
        raise ApiError(422, str(err)) from None
    return {key: (value if key == "formula" or value is None else encode(value, "float32")) for key, value in result.items()}


@router.post("/convolve")
async def create_convolution(request: Request, registry: RegistryDep):
    """One kernel slid over a picture (grey or colour), then an activation and a pooling."""
    body = await off_loop_if_large(await read_body(request), _convolve, registry.settings.max_image_pixels)
    return JSONBytes(body)


def _sweep(body: bytes, registry: Registry) -> tuple:
    data = _json_object(body)
    model = registry.find(data.get("model"))
    x = parse_pixels(data.get("pixels"), model.architecture.input_shape)
    lab = parse_lab({k: v for k, v in data.items() if k == "edits"}, model.network)
    base = Transform() if data.get("transform") is None else parse_transform(data["transform"])
    return model, x, lab, base


@router.post("/sweep")
async def create_sweep(request: Request, registry: RegistryDep):
    """The prediction over 70 transforms of one input (shift, rotation, scale), as one batch."""
    started = time.perf_counter()
    model, x, lab, base = await off_loop_if_large(await read_body(request), _sweep, registry)
    t = time.perf_counter()
    result = sweep(model.network, x, base, lab.edits.params(model.network), lab.edits.masks)
    result["model"] = model.id
    result["class_names"] = list(model.architecture.class_names)
    result["timing_us"] = {"sweep": round((time.perf_counter() - t) * 1e6), "total": round((time.perf_counter() - started) * 1e6)}
    return JSONBytes(result)
