"""Reading JSON request bodies without holding up the other students.

A drawing is a body of about 10 KB and is read on the event loop: handing it to a thread
would cost more than parsing it. A large body (a photo as a data URL, or someone posting
5 MB of numbers) is parsed, checked and decoded in one worker thread, so the event loop keeps
answering everyone else meanwhile. One thread, not a pool: JSON parsing holds Python's lock
while it runs, and each extra parser thread would take another share of it from the loop.

Everything large dies in that thread: the handler gets back the model, the 28x28 input or the
image's bytes, never the parsed document (freeing a million parsed numbers also takes time).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..models import Model
from ..preprocess import ImageError, decode_data_url
from .deps import Registry
from .schemas import ApiError, parse_json_object, parse_pixels, parse_steps, parse_unit

LARGE_BODY_BYTES = 64 * 1024  # larger bodies are parsed off the event loop
# A body over LARGE_BODY_BYTES may hold at most this many JSON values: the only large thing a
# request carries is one image string, and parsing millions of numbers would take seconds.
MAX_JSON_VALUES = 50_000

_parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnvis-json")


async def off_loop_if_large(body: bytes, read, *args):
    """read(body, *args), on the event loop for a small body, in the parser thread for a large one."""
    if len(body) <= LARGE_BODY_BYTES:
        return read(body, *args)
    return await asyncio.get_running_loop().run_in_executor(_parser, read, body, *args)


def _json_object(body: bytes) -> dict:
    if len(body) > LARGE_BODY_BYTES and body.count(b",") + body.count(b":") > MAX_JSON_VALUES:
        raise ApiError(
            422, "The request body holds too many values: send pixels as one 28x28 array, or one image as a data URL."
        )
    return parse_json_object(body)


@dataclass
class TraceRequest:
    model: Model
    x: np.ndarray | None  # the (C, H, W) input, for pixels
    image: bytes | None  # the encoded image, for an image
    steps: bool


def read_trace_request(body: bytes, registry: Registry) -> TraceRequest:
    """A /api/predict body checked into a model and either an input or an image's bytes."""
    data = _json_object(body)
    model = registry.find(data.get("model"))
    if ("pixels" in data) == ("image" in data):
        raise ApiError(422, "Send either pixels (a 28x28 array) or image (a data URL), not both or neither.")
    steps = parse_steps(data)
    if "pixels" in data:
        return TraceRequest(model, parse_pixels(data["pixels"], model.architecture.input_shape), None, steps)
    if not isinstance(data["image"], str):
        raise ApiError(422, "image must be a string: a base64 image or a data URL.")
    try:
        return TraceRequest(model, None, decode_data_url(data["image"]), steps)
    except ImageError as err:
        raise ApiError(err.status, str(err)) from None


def read_explain_request(body: bytes, registry: Registry) -> tuple[Model, np.ndarray, str, tuple[int, ...]]:
    """A /api/explain body checked into (model, input, layer name, unit)."""
    data = _json_object(body)
    model = registry.find(data.get("model"))
    arch = model.architecture
    x = parse_pixels(data.get("pixels"), arch.input_shape)
    layer = data.get("layer")
    names = [spec.name for spec in arch.layers]
    if not isinstance(layer, str) or layer not in names:
        raise ApiError(422, f"No layer {layer!r}; the layers are {', '.join(names)}.")
    out_shape = arch.output_shapes()[arch.index(layer)]
    return model, x, layer, parse_unit(data, out_shape, layer)
