"""Reading JSON request bodies without holding up the other students.

A drawing is a body of about 10 KB and is read on the event loop: handing it to a thread
would cost more than parsing it. A large body (a photo as a data URL, or someone posting
5 MB of numbers) is parsed, checked and decoded in one worker thread, so the event loop keeps
answering everyone else meanwhile. One thread, not a pool: JSON parsing holds Python's lock
while it runs, and each extra parser thread would take another share of it from the loop.

Everything large dies in that thread: the handler gets back the model, the 28x28 input or the
image's bytes, never the parsed document (freeing a million parsed numbers also takes time).

The parser thread lets go of Python's lock after every slice it works through. Otherwise the
event loop, each time it came back from waiting on its sockets, would wait for the lock until
the interpreter's switch interval (5 ms) forced it free: a normal request, which comes back
several times, would pay that again and again while large bodies arrive.
"""

from __future__ import annotations

import asyncio
import base64
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from starlette.requests import Request

from ..models import Model
from ..decoding import open_image
from ..preprocess import ImageError, decode_data_url
from ..labs.run import Lab
from .deps import Registry
from .lab_bodies import parse_lab
from .schemas import ApiError, parse_json_object, parse_pixels, parse_steps, parse_unit

LARGE_BODY_BYTES = 64 * 1024  # larger bodies are parsed off the event loop
# A body over LARGE_BODY_BYTES may hold at most this many commas, colons and quotes together
# (a drawing holds about 800): the only large thing a request carries is one image string,
# and parsing a million numbers would take a second.
MAX_SEPARATORS = 100_000
LONG_STRING = 4096  # a string longer than this in a large body is cut out before parsing
SLICE = 64 * 1024  # bytes one C call works through before the event loop may have its turn

_parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnvis-json")


TOO_MANY_VALUES = "The request body holds too many values: send pixels as one 28x28 array, or one image as a data URL."


async def read_body(request: Request) -> bytes:
    """The request's body, refused as soon as it holds more than MAX_SEPARATORS commas, colons and
    quotes. The rest is not read into memory: the server passes over it, and the client, once it
    has sent it, reads the 422 (closing the connection instead would lose the answer)."""
    chunks, size, separators = [], 0, 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > LARGE_BODY_BYTES:
            separators += chunk.count(b",") + chunk.count(b":") + chunk.count(b'"')
            if separators > MAX_SEPARATORS:
                raise ApiError(422, TOO_MANY_VALUES)
    return b"".join(chunks)


async def off_loop_if_large(body: bytes, read, *args):
    """read(body, *args), on the event loop for a small body, in the parser thread for a large one."""
    if len(body) <= LARGE_BODY_BYTES:
        return read(body, *args)
    return await asyncio.get_running_loop().run_in_executor(_parser, read, body, *args)


# Python's lock passes between threads only between calls: a parser or decoder working through
# 5 MB in one call would keep the event loop waiting for all of it. Hence large bodies are
# scanned, cut and decoded SLICE bytes at a time, and the JSON parser only sees what is left.
def _let_others_run() -> None:
    """Hand Python's lock to a thread waiting for it (the event loop), if one is."""
    time.sleep(0)


def _find(body: bytes, needle: bytes, start: int) -> int:
    for at in range(start, len(body), SLICE):
        found = body.find(needle, at, at + SLICE)
        if found != -1:
            return found
        _let_others_run()
    return -1


def _cut_long_strings(body: bytes) -> tuple[bytes, list[memoryview]]:
    """The body with every string longer than LONG_STRING replaced by "\\u0000<i>", and those
    strings (not copied). Only for bodies without backslashes, where quotes delimit strings."""
    pieces, strings, kept, at = [], [], 0, 0
    while (start := _find(body, b'"', at)) != -1:
        end = _find(body, b'"', start + 1)
        if end == -1:
            break  # an unterminated string: the parser will say the body is not JSON
        if end - start - 1 > LONG_STRING:
            pieces += [body[kept:start], b'"\\u0000%d"' % len(strings)]
            strings.append(memoryview(body)[start + 1:end])
            kept = end + 1
        at = end + 1
    return b"".join(pieces) + body[kept:] if strings else body, strings


def _json_object(body: bytes) -> dict:
    """The request's JSON object; a long top-level string comes back as a memoryview of its bytes."""
    # read_body has already refused a large body with more than MAX_SEPARATORS separators.
    if len(body) <= LARGE_BODY_BYTES:
        return parse_json_object(body)
    if _find(body, b"\\", 0) != -1:
        raise ApiError(422, "A large request body cannot hold escaped characters (\\): send the image as a data URL.")
    skeleton, strings = _cut_long_strings(body)
    data = parse_json_object(skeleton)
    for key, value in data.items():  # strings can hold no escaped NUL but ours, so no look-alikes
        if isinstance(value, str) and value.startswith("\0") and value[1:].isdigit():
            data[key] = strings[int(value[1:])]
    return data


def _decode_long_image(text: memoryview) -> bytes:
    """A long image string (a data URL or bare base64) decoded SLICE characters at a time."""
    head = bytes(text[:256])
    start = 0
    if head.startswith(b"data:"):
        start = head.find(b",") + 1
        decode_data_url(head[: start or len(head)].decode("latin-1"))  # refuses what it refuses for small bodies
    parts = []
    for at in range(start, len(text), SLICE):  # SLICE is a multiple of 4: each slice is whole base64 quartets
        try:
            parts.append(base64.b64decode(text[at:at + SLICE], validate=True))
        except ValueError:
            raise ApiError(422, "The image is not valid base64: send a data URL from canvas.toDataURL().") from None
        if len(parts) == 1 and not _starts_as_a_picture(parts[0]):
            # Not a picture we read: no sense in decoding megabytes to be told that after. The
            # rest is only checked, so that a body that is not base64 at all still says so.
            if not _is_base64(text[at + SLICE:]):
                raise ApiError(422, "The image is not valid base64: send a data URL from canvas.toDataURL().")
            open_image(parts[0], 1 << 40)  # raises the decoder's own 415 (or 422) naming what this is
        _let_others_run()
    return b"".join(parts)


# How the formats we read begin (as Pillow recognises them): PNG, JPEG, GIF, BMP, then WebP.
IMAGE_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def _starts_as_a_picture(head: bytes) -> bool:
    return head.startswith(IMAGE_STARTS) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


BASE64_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _is_base64(text: memoryview) -> bool:
    """Whether text (whole quartets from the start of a base64 string) would decode, checked
    without decoding: only base64 letters, then at most two `=` at the very end."""
    if len(text) % 4:
        return False
    tail = bytes(text[-2:])
    body = text[: len(text) - (len(tail) - len(tail.rstrip(b"=")))]  # without the padding
    for at in range(0, len(body), SLICE):
        if bytes(body[at:at + SLICE]).translate(None, BASE64_LETTERS):
            return False
        _let_others_run()
    return True


@dataclass
class TraceRequest:
    model: Model
    x: np.ndarray | None  # the (C, H, W) input, for pixels
    image: bytes | None  # the encoded image, for an image
    steps: bool
    compact: bool = False  # "detail": "compact": only what a page cannot derive (app/api/compact.py)
    lab: Lab | None = None  # edits and a transform (app/labs); with either, the full trace


def _compact(data: dict) -> bool:
    """True for `"detail": "compact"`; only pixels (already prepared) may ask for it."""
    detail = data.get("detail", "full")
    if detail not in ("full", "compact"):
        raise ApiError(422, 'detail must be "full" (every layer) or "compact" (what a page cannot derive).')
    if detail == "compact" and "image" in data:
        raise ApiError(422, 'detail "compact" is for pixels; an image needs the full trace with its preparation.')
    return detail == "compact"


def read_trace_request(body: bytes, registry: Registry) -> TraceRequest:
    """A /api/predict body checked into a model and either an input or an image's bytes."""
    data = _json_object(body)
    model = registry.find(data.get("model"))
    if ("pixels" in data) == ("image" in data):
        raise ApiError(422, "Send either pixels (a 28x28 array) or image (a data URL), not both or neither.")
    steps, compact = parse_steps(data), _compact(data)
    lab = parse_lab(data, model.network)
    # A page computes the first conv layer itself from the trained weights and the input the
    # answer carries: a transformed input is fine (the answer's input is the transformed one),
    # an edited network is not (the page would show the unedited layer): edits get the full trace.
    compact = compact and not lab.edits
    if "pixels" in data:
        return TraceRequest(model, parse_pixels(data["pixels"], model.architecture.input_shape), None, steps, compact, lab)
    image = data["image"]
    if not isinstance(image, (str, memoryview)):
        raise ApiError(422, "image must be a string: a base64 image or a data URL.")
    try:
        raw = decode_data_url(image) if isinstance(image, str) else _decode_long_image(image)
        return TraceRequest(model, None, raw, steps, False, lab)
    except ImageError as err:
        raise ApiError(err.status, str(err)) from None


def read_explain_request(body: bytes, registry: Registry) -> tuple[Model, np.ndarray, str, tuple[int, ...], Lab]:
    """A /api/explain body checked into (model, input, layer name, unit, edits and transform)."""
    data = _json_object(body)
    model = registry.find(data.get("model"))
    arch = model.architecture
    x = parse_pixels(data.get("pixels"), arch.input_shape)
    layer = data.get("layer")
    names = [spec.name for spec in arch.layers]
    if not isinstance(layer, str) or layer not in names:
        raise ApiError(422, f"No layer {layer!r}; the layers are {', '.join(names)}.")
    out_shape = arch.output_shapes()[arch.index(layer)]
    return model, x, layer, parse_unit(data, out_shape, layer), parse_lab(data, model.network)
