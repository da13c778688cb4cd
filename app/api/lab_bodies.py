"""Reading the labs' parts of a request: "edits", "transform", and the /api/convolve body.

Every value is checked before the numerical code sees it; anything wrong is a 422 with a
sentence that says what to send instead.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..decoding import open_image
from ..image_error import ImageError
from ..labs import transform as tf
from ..labs.convolve import ACTIVATIONS, MAX_K, MAX_POOL, MAX_SIDE, MAX_STRIDE, POOLS, Settings
from ..labs.edits import EditError, parse_edits
from ..labs.run import Lab
from ..preprocess import decode_data_url
from .schemas import ApiError

TRANSFORM_RANGES = {
    "dx": (-tf.MAX_SHIFT, tf.MAX_SHIFT), "dy": (-tf.MAX_SHIFT, tf.MAX_SHIFT),
    "rotate": (-tf.MAX_ROTATE, tf.MAX_ROTATE), "scale": (tf.MIN_SCALE, tf.MAX_SCALE),
    "thickness": (-tf.MAX_THICKNESS, tf.MAX_THICKNESS),
}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_transform(value) -> tf.Transform:
    """{"dx", "dy", "rotate", "scale", "thickness"}, each optional, each within its range."""
    if not isinstance(value, dict):
        raise ApiError(422, 'transform must be an object such as {"dx": 2, "dy": 0, "rotate": 15, "scale": 1, "thickness": 0}.')
    unknown = set(value) - set(TRANSFORM_RANGES)
    if unknown:
        raise ApiError(422, f"transform has unknown keys {', '.join(sorted(map(str, unknown)))[:80]}; "
                            "use dx, dy, rotate, scale, thickness.")
    for key, v in value.items():
        lo, hi = TRANSFORM_RANGES[key]
        if not _is_number(v) or not lo <= v <= hi:
            raise ApiError(422, f"transform {key} must be a number from {lo:g} to {hi:g}.")
    if "thickness" in value and value["thickness"] != int(value["thickness"]):
        raise ApiError(422, "transform thickness must be a whole number of steps from -2 to 2.")
    return tf.Transform(**{k: (int(v) if k == "thickness" else float(v)) for k, v in value.items()})


def parse_lab(data: dict, network) -> Lab:
    """The request's optional "edits" and "transform" (an identity transform counts as none)."""
    lab = Lab()
    if "edits" in data:
        try:
            lab.edits = parse_edits(data["edits"], network)
        except EditError as err:
            raise ApiError(422, str(err)) from None
    if data.get("transform") is not None:
        t = parse_transform(data["transform"])
        lab.transform = None if t.is_identity else t
    return lab


def _int(data: dict, key: str, default: int, lo: int, hi: int, what: str) -> int:
    v = data.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ApiError(422, f"{key} must be a whole number ({what}).")
    if not lo <= v <= hi:
        raise ApiError(422, f"{key} must be from {lo} to {hi}; it is {v}.")
    return v


def _convolve_input(data: dict, colour: bool, max_pixels: int) -> np.ndarray:
    if ("pixels" in data) == ("image" in data):
        raise ApiError(422, "Send either pixels (an H x W array of 0..1) or image (a data URL), not both or neither.")
    if "image" in data:
        image = data["image"]
        if not isinstance(image, str):
            raise ApiError(422, "image must be a data URL, such as a canvas's toDataURL().")
        try:
            picture = open_image(decode_data_url(image), max_pixels)
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.BILINEAR)
            array = np.asarray(picture.convert("RGB" if colour else "L"), np.float32) / 255
        except ImageError as err:
            raise ApiError(err.status, str(err)) from None
        return array.transpose(2, 0, 1) if colour else array[None]
    expected = "pixels must be " + ("a 3 x H x W array (red, green, blue)" if colour else "an H x W array") + \
        f" of numbers from 0 to 1, at most {MAX_SIDE} x {MAX_SIDE}"
    try:
        array = np.array(data["pixels"], dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise ApiError(422, expected + ".") from None
    if array.dtype != np.float64 or array.ndim != (3 if colour else 2) or (colour and array.shape[0] != 3) or 0 in array.shape:
        raise ApiError(422, expected + ".")
    if array.shape[-1] > MAX_SIDE or array.shape[-2] > MAX_SIDE:
        raise ApiError(422, f"The input is {array.shape[-2]}x{array.shape[-1]}; at most {MAX_SIDE}x{MAX_SIDE}.")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ApiError(422, expected + "; some values are not numbers from 0 to 1.")
    return (array if colour else array[None]).astype(np.float32)


def _kernel(value, colour: bool) -> np.ndarray:
    expected = "kernel must be a K x K array of numbers" + (" (or 3 x K x K, one per colour)" if colour else "") + \
        f", K from 1 to {MAX_K}"
    if not isinstance(value, list) or len(str(value)) > 20_000:
        raise ApiError(422, expected + ".")
    try:
        kernel = np.array(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise ApiError(422, expected + ".") from None
    k = kernel.shape[-1] if kernel.ndim else 0
    square = kernel.ndim in ((2, 3) if colour else (2,)) and kernel.shape[-2] == k and (kernel.ndim == 2 or kernel.shape[0] == 3)
    if kernel.dtype != np.float64 or not square or k < 1:
        raise ApiError(422, expected + ".")
    if k > MAX_K:
        raise ApiError(422, f"The kernel is {k}x{k}; at most {MAX_K}x{MAX_K}.")
    if not np.isfinite(kernel).all() or np.abs(kernel).max() > 1000:
        raise ApiError(422, "kernel values must be numbers between -1000 and 1000.")
    return kernel.astype(np.float32)


def read_convolve_request(data: dict, max_pixels: int) -> tuple[np.ndarray, np.ndarray, Settings]:
    """The /api/convolve body checked into (input (C, H, W), kernel, settings); see docs/api.md."""
    unknown = set(data) - {"pixels", "image", "colour", "kernel", "stride", "padding", "dilation", "flip", "activation", "pool"}
    if unknown:
        raise ApiError(422, f"Unknown keys {', '.join(sorted(unknown))[:80]}; see the convolve section of the API notes.")
    colour = data.get("colour", False)
    flip = data.get("flip", False)
    if not isinstance(colour, bool) or not isinstance(flip, bool):
        raise ApiError(422, "colour and flip must be true or false.")
    x = _convolve_input(data, colour, max_pixels)
    kernel = _kernel(data.get("kernel"), colour)
    k = kernel.shape[-1]
    activation = data.get("activation")
    if activation is not None and activation not in ACTIVATIONS:
        raise ApiError(422, f"activation must be null or one of {', '.join(ACTIVATIONS)}.")
    pool = data.get("pool")
    if pool is not None:
        if not isinstance(pool, dict) or pool.get("kind") not in POOLS or set(pool) - {"kind", "size", "stride"}:
            raise ApiError(422, 'pool must be null or {"kind": "max" | "avg" | "sum", "size": 2, "stride": 2}.')
        pool = (pool["kind"], _int(pool, "size", 2, 1, MAX_POOL, "the pooling window"),
                _int(pool, "stride", 2, 1, MAX_POOL, "the pooling step"))
    settings = Settings(
        stride=_int(data, "stride", 1, 1, MAX_STRIDE, "pixels the window moves"),
        padding=_int(data, "padding", 0, 0, k - 1, "zeros around the input, at most K-1"),
        dilation=_int(data, "dilation", 1, 1, 3, "the gap between kernel taps"),
        flip=flip, activation=activation, pool=pool,
    )
    return x, kernel, settings
