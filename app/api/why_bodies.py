"""Reading the bodies of /api/saliency and /api/adversary: every field checked, with a sentence
for anything out of place (the limits are in docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import Model
from ..preprocess import ImageError, decode_data_url
from ..why.adversary import DEFAULT_STEPS, MAX_EPSILON, MAX_STEPS
from ..why.saliency import MAX_OCCLUSION_POSITIONS, METHODS, default_gradcam_layer, map_layers
from .bodies import _decode_long_image, _json_object
from .deps import Registry
from .schemas import ApiError, parse_pixels


def _integer(data: dict, key: str, lo: int, hi: int, default, meaning: str):
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ApiError(422, f"{key} must be a whole number from {lo} to {hi} ({meaning}).")
    return value


def _number(data: dict, key: str, lo: float, hi: float, default, meaning: str) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise ApiError(422, f"{key} must be a number from {lo:g} to {hi:g} ({meaning}).")
    return float(value)


SALIENCY_KEYS = ("model", "pixels", "image", "method", "class", "patch", "stride", "fill", "layer", "randomize")
ADVERSARY_KEYS = ("model", "pixels", "epsilon", "target", "steps")


def _refuse_unknown(data: dict, known: tuple[str, ...], route: str) -> None:
    """A misspelt or foreign field is said, not skipped: skipped, a student's "edits" (as the
    labs send them to /api/predict) would seem applied to an answer that ignored them."""
    unknown = sorted(k[:40] for k in set(data) - set(known))
    if not unknown:
        return
    if {"edits", "transform"} & set(unknown):
        raise ApiError(422, f"{route} does not apply edits or a transform: it looks at the trained network with the "
                            "picture as sent. Leave them out, and send the transformed picture itself as pixels.")
    raise ApiError(422, f"{route} has no field {', '.join(unknown)[:120]}; its fields are {', '.join(known)}.")


def n_classes(model: Model) -> int:
    return model.architecture.output_shapes()[-1][0]


@dataclass
class SaliencyRequest:
    model: Model
    x: np.ndarray | None  # (C, H, W) for pixels
    image: bytes | None  # an encoded image, prepared by the route
    method: str
    cls: int | None
    patch: int
    stride: int
    fill: float
    layer: str | None
    randomize: bool


def _input(data: dict, model: Model, allow_image: bool):
    if allow_image and ("pixels" in data) == ("image" in data):
        raise ApiError(422, "Send either pixels (the model's input as an array) or image (a data URL), not both or neither.")
    if "pixels" in data or not allow_image:
        return parse_pixels(data.get("pixels"), model.architecture.input_shape), None
    image = data["image"]
    if not isinstance(image, (str, memoryview)):  # a long string in a large body comes as a memoryview
        raise ApiError(422, "image must be a string: a base64 image or a data URL.")
    try:
        return None, decode_data_url(image) if isinstance(image, str) else _decode_long_image(image)
    except ImageError as err:
        raise ApiError(err.status, str(err)) from None


def read_saliency_request(body: bytes, registry: Registry) -> SaliencyRequest:
    data = _json_object(body)
    _refuse_unknown(data, SALIENCY_KEYS, "/api/saliency")
    model = registry.find(data.get("model"))
    x, image = _input(data, model, allow_image=True)
    method = data.get("method")
    if method not in METHODS:
        raise ApiError(422, f"method must be one of {', '.join(METHODS)}.")
    k = n_classes(model)
    cls = _integer(data, "class", 0, k - 1, None, "the class to explain; leave it out for the network's answer")
    _, h, w = model.architecture.input_shape
    patch = _integer(data, "patch", 1, max(h, w), 4, "the side of the covering square, in pixels")
    stride = _integer(data, "stride", 1, max(h, w), 2, "pixels between two patch positions")
    if -(-h // stride) * -(-w // stride) > MAX_OCCLUSION_POSITIONS:
        raise ApiError(422, f"stride {stride} makes more than {MAX_OCCLUSION_POSITIONS} patch positions; use a larger stride.")
    fill = _number(data, "fill", 0.0, 1.0, 0.0, "the value a covered pixel takes, 0 black to 1 white")
    layer = data.get("layer")
    if method == "gradcam":
        choices = map_layers(model.network)
        layer = default_gradcam_layer(model.network) if layer is None else layer
        if layer not in choices:
            raise ApiError(422, f"Grad-CAM needs a layer of maps: one of {', '.join(choices) or '(none in this model)'}.")
    randomize = data.get("randomize", False)
    if not isinstance(randomize, bool):
        raise ApiError(422, "randomize must be true or false.")
    return SaliencyRequest(model, x, image, method, cls, patch, stride, fill, layer, randomize)


@dataclass
class AdversaryRequest:
    model: Model
    x: np.ndarray
    epsilon: float
    target: int | None
    steps: int


def read_adversary_request(body: bytes, registry: Registry) -> AdversaryRequest:
    data = _json_object(body)
    _refuse_unknown(data, ADVERSARY_KEYS, "/api/adversary")
    model = registry.find(data.get("model"))
    x, _ = _input(data, model, allow_image=False)
    if "epsilon" not in data:
        raise ApiError(422, f"epsilon is missing: the largest change allowed per pixel, from 0 to {MAX_EPSILON:g}.")
    epsilon = _number(data, "epsilon", 0.0, MAX_EPSILON, None, "the largest change allowed per pixel, in 0..1 units")
    target = _integer(data, "target", 0, n_classes(model) - 1, None, "the class to push the answer to")
    steps = _integer(data, "steps", 1, MAX_STEPS, DEFAULT_STEPS, "how many gradient-sign steps to try")
    return AdversaryRequest(model, x, epsilon, target, steps)
