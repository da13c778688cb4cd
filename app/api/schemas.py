"""What the API receives and what it returns.

Requests are read with orjson and checked here by hand rather than by a pydantic model:
a drawing is 784 numbers, and validating them one by one would cost more than running the
network. The pydantic models below only describe the bodies in the OpenAPI schema.
Responses are built here too; the numerical code never sees JSON.
"""

from __future__ import annotations

import base64
import json
from itertools import chain
from typing import Literal

import numpy as np
import orjson
from pydantic import BaseModel, Field

from ..models import Model
from ..nn.layers import layer_class
from ..nn.network import LayerTrace
from ..nn.receptive import receptive_geometry
from ..preprocess import Preprocessed, png_data_url
from .tensors import encode, encode_many


class ApiError(Exception):
    """A request we answer with a 4xx and a sentence the student can act on."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


# -- request bodies (documentation only) ---------------------------------------------------
class PixelTensor(BaseModel):
    shape: list[int] = Field(description="[28, 28] or [1, 28, 28]")
    dtype: Literal["uint8"]
    data: str = Field(description="base64 of the 784 bytes in C order; pixel value = byte / 255")


class PredictRequest(BaseModel):
    model: str | None = Field(None, description="model id, default the MNIST model")
    pixels: list | PixelTensor | None = Field(
        None, description="the raw picture in 0..1 shaped as the model's input: H x W rows, or C x H x W (RGB) for "
        "colour; or the same as a uint8 Tensor (byte / 255)"
    )
    image: str | None = Field(None, description="a base64 image or data URL, e.g. canvas.toDataURL()")
    steps: bool = Field(True, description="include the preprocessing images (false while drawing)")
    detail: Literal["full", "compact"] = Field(
        "full", description="compact: only what a page cannot derive (pre-activations, logits, input)"
    )


class ExplainRequest(BaseModel):
    model: str | None = None
    pixels: list = Field(description="the raw input in 0..1 as for predict (H x W, or C x H x W)")
    layer: str
    channel: int | None = None
    y: int | None = None
    x: int | None = None
    index: int | None = None


def openapi_body(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


# -- reading requests --------------------------------------------------------------------
def parse_json_object(body: bytes) -> dict:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        try:  # Python's parser accepts NaN and Infinity, so the pixel checks can name them
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ApiError(422, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(422, "The request body must be a JSON object, such as {\"pixels\": [[...]]}.")
    return data


def _rows(value, shape: tuple[int, int, int], expected: str) -> list:
    """The rows of a (H, W) or (C, H, W) nested list, checked for shape by their lengths alone:
    a wrong-sized array is refused before any of its numbers is looked at."""
    c, h, w = shape
    if not isinstance(value, list):
        raise ApiError(422, expected + ".")
    if value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list):
        if len(value) != c or not all(isinstance(m, list) and len(m) == h for m in value):
            raise ApiError(422, f"{expected}; got {len(value)} maps, or maps of the wrong height.")
        rows = [row for m in value for row in m]
    elif c == 1:
        rows = value
        if len(rows) != h:
            raise ApiError(422, f"{expected}; got {len(rows)} rows.")
    else:
        raise ApiError(422, f"{expected}, one such array for each of the {c} channels.")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != w:
            got = f"{len(row)} values" if isinstance(row, list) else "not a list"
            raise ApiError(422, f"{expected}; row {i} is {got}: some rows are missing or ragged.")
    return rows


def parse_pixels(value, shape: tuple[int, int, int]) -> np.ndarray:
    """The raw picture, a (H, W) list (one channel) or (C, H, W) list of numbers in 0..1 -> float32
    (C, H, W) input (or a uint8 Tensor of bytes, see parse_pixel_tensor), quantised to 8 bits as the models' pictures are."""
    c, h, w = shape
    if isinstance(value, dict):
        return parse_pixel_tensor(value, shape)
    if c == 1:
        expected = f"pixels must be a {h}x{w} array: a list of {h} rows of {w} numbers from 0 (black) to 1 (white ink)"
    else:
        expected = (f"pixels must be a {c}x{h}x{w} array: {c} channels (red, green, blue) of {h} rows of {w} "
                    "numbers from 0 to 1")
    rows = _rows(value, shape, expected)
    # Types are checked before NumPy sees them: it would read true as 1 and false as 0.
    kinds = set(map(type, chain.from_iterable(rows)))
    if not kinds <= {int, float}:
        if bool in kinds:
            raise ApiError(422, expected + "; some values are true or false, which are not numbers.")
        if kinds <= {int, float, type(None)}:  # null is what JSON.stringify makes of NaN
            raise ApiError(422, "pixels contain NaN or null (not a number); every pixel must be a number from 0 to 1.")
        raise ApiError(422, expected + "; some values are not numbers.")
    try:
        # float64, so 1e300 is reported as out of range rather than as infinite in float32
        array = np.array(rows, dtype=np.float64)
    except OverflowError:  # an integer with hundreds of digits
        raise ApiError(422, expected + "; some values are too large to be numbers.") from None
    if np.isnan(array).any():
        raise ApiError(422, "pixels contain NaN or null (not a number); every pixel must be a number from 0 to 1.")
    if np.isinf(array).any():
        raise ApiError(422, "pixels contain an infinite value; every pixel must be a number from 0 to 1.")
    if array.min() < 0 or array.max() > 1:
        bad = float(array.min()) if array.min() < 0 else float(array.max())
        raise ApiError(422, f"pixel values must lie between 0 and 1; found {bad:g}.")
    return (np.round(array.reshape(shape) * 255) / 255).astype(np.float32)


def parse_steps(data: dict) -> bool:
    """Whether a trace includes the preprocessing pictures: true unless the request says false."""
    steps = data.get("steps", True)
    if not isinstance(steps, bool):
        raise ApiError(422, f"steps must be true or false, not {orjson.dumps(steps).decode()[:40]}.")
    return steps


PIXEL_TENSOR_KEYS = {"shape", "dtype", "data"}


def parse_pixel_tensor(value: dict, shape: tuple[int, int, int]) -> np.ndarray:
    """{"shape": [H, W] or [C, H, W], "dtype": "uint8", "data": base64 of C*H*W bytes} -> the input.

    A page that prepares its drawing itself sends it so: 784 bytes are 1,048 characters of
    base64, against about 5 KB as a list of numbers, and they need no checks one by one.
    The base64 text is measured before it is decoded, so a huge one costs nothing.
    """
    c, h, w = shape
    n = c * h * w
    expected = f'pixels as a Tensor must hold the {h}x{w} image as {{"shape": [{h}, {w}], "dtype": "uint8", "data": "<base64 of {n} bytes>"}}'
    if set(value) != PIXEL_TENSOR_KEYS:
        raise ApiError(422, f"{expected}; got the keys {sorted(map(str, value))}.")
    if value["dtype"] != "uint8":
        raise ApiError(422, f"{expected}; dtype {str(value['dtype'])[:20]!r} is not supported (one byte per pixel, 0..255).")
    dims = value["shape"]
    if not isinstance(dims, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims) \
            or dims not in (([h, w], [c, h, w]) if c == 1 else ([c, h, w],)):
        raise ApiError(422, f"{expected}; got shape {str(dims)[:40]}.")
    data = value["data"]
    if not isinstance(data, str):
        raise ApiError(422, f"{expected}; data must be a base64 string.")
    if len(data) != 4 * ((n + 2) // 3):
        raise ApiError(422, f"{expected}; data has {len(data)} characters of base64, not {4 * ((n + 2) // 3)}.")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise ApiError(422, f"{expected}; data is not valid base64.") from None
    if len(raw) != n:
        raise ApiError(422, f"{expected}; data holds {len(raw)} bytes, not {n}.")
    # The same float32 division the server's own preparation uses (byte / 255).
    return (np.frombuffer(raw, np.uint8).astype(np.float32) / np.float32(255)).reshape(shape)


def parse_unit(data: dict, out_shape: tuple[int, ...], layer: str) -> tuple[int, ...]:
    keys = ("channel", "y", "x") if len(out_shape) == 3 else ("index",)
    unit = []
    for key in keys:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(422, f"Layer {layer} needs integers {', '.join(keys)}; {key} is missing or not an integer.")
        unit.append(value)
    for key, value, size in zip(keys, unit, out_shape):
        if not 0 <= value < size:
            raise ApiError(422, f"{key}={value} is outside layer {layer}, whose shape is {list(out_shape)}.")
    return tuple(unit)


# -- responses ---------------------------------------------------------------------------
def model_summary(model: Model) -> dict:
    arch = model.architecture
    return {
        "id": model.id,
        "name": model.name,
        "dataset": model.metadata.get("dataset", "unknown"),
        "class_names": list(arch.class_names),
        "input_shape": list(arch.input_shape),
        "test_accuracy": model.metadata.get("test_accuracy"),
        "normalization": next(
            ({"mean": list(s.mean), "std": list(s.std)} for s in arch.layers if s.mean is not None), None
        ),
    }


def model_detail(model: Model) -> dict:
    arch = model.architecture
    layers = []
    for item, spec, rf in zip(model.network.layers, arch.layers, receptive_geometry(arch)):
        shapes = {p.name: list(p.shape) for p in item.params()}
        layers.append(
            {
                **spec.to_dict(),
                "input_shape": list(item.in_shape), "output_shape": list(item.out_shape), "params": shapes,
                "n_params": int(sum(np.prod(p.shape) for p in item.params() if p.trainable)),
                "receptive_field": rf,
                "description": item.description, "weighted": item.weighted, "reads": item.reads().to_dict(),
                "sends": list(item.sends),
            }
        )
    for layer in layers:  # a layer the ONNX file did not have, added for the display (a final softmax)
        if layer["name"] in model.metadata.get("added_layers", ()):
            layer["added"] = True
    # How an upload is prepared (box, centre): a page that prepares its own drawing needs it.
    preparation = model.preparation.to_dict()
    return {**model_summary(model), "metadata": model.metadata, "preparation": preparation, "layers": layers}


def weights_response(model: Model) -> dict:
    """Every parameter of every layer that has some, under its short name (w, b, gamma, ...)."""
    p = model.network.params
    layers = [
        {"name": item.name, **{decl.name: encode(p[item.key(decl.name)]) for decl in item.params()}}
        for item in model.network.layers
        if item.params()
    ]
    return {"model": model.id, "layers": layers}


def trace_response(model: Model, x: np.ndarray, traces: list[LayerTrace], pre: Preprocessed | None, steps: bool) -> dict:
    """The whole trace; maps travel as float16 to keep a response under 48 KB."""
    arrays, owners = [], []  # owners[i] = (layer index, key) of arrays[i]
    sends = [layer_class(t.kind).sends for t in traces]  # what each kind's layer carries
    for i, t in enumerate(traces):
        if "same_as" in sends[i] and i > 0:
            continue  # the layer below, read in C order: sent once, as that layer
        arrays.append(t.output)
        owners.append((i, "output"))
        if "weighted_input" in sends[i]:
            arrays.append(t.weighted_input)
            owners.append((i, "weighted_input"))
    tensors, mins, maxs = encode_many(arrays, "float16")
    layers = [{"name": t.name, "kind": t.kind, "shape": list(t.output.shape)} for t in traces]
    for layer, spec in zip(layers, model.architecture.layers):
        if spec.source is not None:
            layer["source"] = spec.source  # the node of an imported model this layer came from
    for (i, key), tensor, lo, hi in zip(owners, tensors, mins.tolist(), maxs.tolist()):
        layers[i][key] = tensor
        if key == "output":
            layers[i]["min"], layers[i]["max"] = lo, hi
        else:
            layers[i]["weighted_min"], layers[i]["weighted_max"] = lo, hi
    for i, t in enumerate(traces):
        if "same_as" in sends[i] and i > 0:
            below = layers[i - 1]
            layers[i].update(same_as=below["name"], min=below["min"], max=below["max"])
    for layer, t, sent in zip(layers, traces, sends):
        if "argmax" in sent:
            layer["argmax"] = encode(t.argmax, "uint8")
    probabilities = traces[-1].output
    label = int(probabilities.argmax())
    return {
        "model": model.id,
        "label": label,
        "class_name": model.architecture.class_names[label],
        "probabilities": probabilities.tolist(),
        "input": encode(np.round(x * 255), "uint8"),
        "layers": layers,
        "preprocessing": None if pre is None else preprocessing_response(pre, steps),
    }


def preprocessing_response(pre: Preprocessed, steps: bool) -> dict:
    result = dict(pre.info)
    result["steps"] = [
        {"name": name, "caption": caption, "width": int(img.shape[1]), "height": int(img.shape[0]), "image": png_data_url(img)}
        for name, caption, img in pre.steps()
    ] if steps else []
    return result


def explanation_response(model: Model, explanation: dict, unit: tuple[int, ...]) -> dict:
    result = {"model": model.id}
    for key, value in explanation.items():
        result[key] = encode(value, "uint8" if key == "in_padding" else "float32") if isinstance(value, np.ndarray) else value
    result["unit"] = dict(zip(("channel", "y", "x"), unit)) if len(unit) == 3 else {"index": unit[0]}
    return result
