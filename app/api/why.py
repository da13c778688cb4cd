"""Routes that answer "why did it say that": saliency, test samples, confusion, exemplars, adversary."""

from __future__ import annotations

import time

import numpy as np
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ..why import saliency as sal
from ..why.adversary import attack
from ..why.confusion import answers_for
from ..why.exemplars import exemplar_items, exemplar_layers, exemplar_path, load_exemplars
from ..why.samples import test_set_for
from .bodies import off_loop_if_large
from .deps import RegistryDep
from .predict import _preprocess
from .responses import JSONBytes
from .schemas import ApiError
from .tensors import encode
from .why_bodies import read_adversary_request, read_saliency_request

router = APIRouter(prefix="/api", tags=["why"])

RANDOM_SEED = 0  # the seed of the randomised weights, given in every randomised response
GALLERY_ITEMS = 100  # test images listed per confusion cell
_random_params: dict[int, dict] = {}


def _randomized(network) -> dict:
    key = id(network)
    if key not in _random_params:
        _random_params[key] = sal.randomized_params(network, RANDOM_SEED)
    return _random_params[key]


def _timed(content: dict, name: str, started: float) -> JSONBytes:
    """The JSON response with its server time, from the body read to the JSON written, in a
    Server-Timing header (milliseconds): the figure a benchmark compares with its targets,
    without the client's share and without changing the body."""
    response = JSONBytes(content)
    response.headers["Server-Timing"] = f"{name};dur={(time.perf_counter() - started) * 1e3:.3f}"
    return response


def _saliency(wanted, x: np.ndarray) -> dict:
    network = wanted.model.network
    params = _randomized(network) if wanted.randomize else None
    layer_map = None
    if wanted.method in ("gradient", "gradient_x_input") and params is None:
        # The gradient's own forward pass is the original network's: it also gives the class.
        grad, logits = sal.input_gradient(network, x, wanted.cls)
        cls = int(logits.argmax()) if wanted.cls is None else wanted.cls
        m = sal.channel_sum(grad, x, wanted.method == "gradient_x_input")
        return _saliency_answer(wanted, x, cls, m, None)
    # The original network's answer (before any randomising of the weights).
    cls = int(sal.logits(network, x[None])[0].argmax()) if wanted.cls is None else wanted.cls
    if wanted.method in ("gradient", "gradient_x_input"):
        m = sal.gradient_map(network, x, cls, wanted.method == "gradient_x_input", params)
    elif wanted.method == "occlusion":
        m = sal.occlusion_map(network, x, cls, wanted.patch, wanted.stride, wanted.fill, params)
    else:
        layer_map = sal.gradcam_layer_map(network, x, cls, wanted.layer, params)
        m = sal.upsample_bilinear(layer_map, x.shape[1], x.shape[2])
    return _saliency_answer(wanted, x, cls, m, layer_map)


def _saliency_answer(wanted, x: np.ndarray, cls: int, m: np.ndarray, layer_map) -> dict:
    return {
        "method": wanted.method, "class": cls, "map": encode(m), "input": encode(np.round(x * 255), "uint8"),
        "layer_map": None if layer_map is None else encode(layer_map),
        "layer": wanted.layer if wanted.method == "gradcam" else None,
        "randomize": wanted.randomize, "seed": RANDOM_SEED if wanted.randomize else None,
    }


@router.post("/saliency")
async def create_saliency(request: Request, registry: RegistryDep):
    """Which pixels mattered for one class: gradient, gradient x input, occlusion or Grad-CAM."""
    body = await request.body()
    started = time.perf_counter()
    wanted = await off_loop_if_large(body, read_saliency_request, registry)
    x = wanted.x
    if x is None:
        x, _ = await _preprocess(wanted.image, wanted.model, registry.settings)
    if wanted.method == "occlusion" or wanted.randomize:
        return _timed(await run_in_threadpool(_saliency, wanted, x), "saliency", started)
    return _timed(_saliency(wanted, x), "saliency", started)


def _test_set(model):
    test_set = test_set_for(model)
    if test_set is None:
        raise ApiError(404, f"Model {model.id!r} has no shipped test set (only MNIST and Fashion-MNIST models do).")
    return test_set


@router.get("/models/{model_id}/samples")
async def list_samples(model_id: str, registry: RegistryDep):
    """The shipped test set's size and labels."""
    test_set = _test_set(registry.find(model_id))
    return JSONBytes({"n": len(test_set.labels), "labels": test_set.labels.tolist()})


def _index(text: str, n: int, what: str) -> int:
    if not text.isdigit() or int(text) >= n:
        raise ApiError(404, f"No {what} {text[:20]!r}: they are numbered 0 to {n - 1}.")
    return int(text)


@router.get("/models/{model_id}/samples/{index}")
async def read_sample(model_id: str, index: str, registry: RegistryDep):
    """One test image as uint8 (C, H, W) and its label."""
    test_set = _test_set(registry.find(model_id))
    i = _index(index, len(test_set.labels), "test image")
    return JSONBytes({"index": i, "label": int(test_set.labels[i]), "pixels": encode(test_set.images[i], "uint8")})


@router.get("/models/{model_id}/confusion")
async def read_confusion(model_id: str, registry: RegistryDep):
    """Counts of (true class, predicted class) over the whole test set."""
    model = registry.find(model_id)
    answers = await run_in_threadpool(answers_for, model, _test_set(model))
    return JSONBytes({"n": int(answers.matrix.sum()), "accuracy": answers.accuracy, "matrix": answers.matrix.tolist()})


@router.get("/models/{model_id}/confusion/{true}/{predicted}")
async def read_confusion_cell(model_id: str, true: str, predicted: str, registry: RegistryDep):
    """The test images of one cell (the first GALLERY_ITEMS), with the answer's confidence."""
    model = registry.find(model_id)
    test_set = _test_set(model)
    answers = await run_in_threadpool(answers_for, model, test_set)
    k = answers.matrix.shape[0]
    t, p = _index(true, k, "class"), _index(predicted, k, "class")
    cell = answers.cell(test_set.labels, t, p)
    items = [{"sample": int(i), "label": t, "predicted": p, "confidence": float(answers.confidence[i])}
             for i in cell[:GALLERY_ITEMS]]
    return JSONBytes({"true": t, "predicted": p, "count": len(cell), "items": items})


@router.get("/models/{model_id}/exemplars")
async def read_exemplars(model_id: str, registry: RegistryDep, layer: str | None = None,
                         channel: int | None = None, index: int | None = None):
    """The 9 test images that excite one channel (or dense unit) most, best first."""
    model = registry.find(model_id)
    exemplars = None if model.path is None else await run_in_threadpool(load_exemplars, exemplar_path(model.path))
    if exemplars is None:
        raise ApiError(404, f"No exemplars for model {model.id!r} yet: run `cnnvis exemplars --model {model.id}`.")
    layers = {item.name: item for item in exemplar_layers(model.network)}
    if layer not in layers or f"{layer}/sample" not in exemplars:
        raise ApiError(422, f"layer must be one of {', '.join(layers)}.")
    shape = layers[layer].out_shape
    key, unit = ("channel", channel) if len(shape) == 3 else ("index", index)
    other, stray = ("index", index) if key == "channel" else ("channel", channel)
    if stray is not None:  # answered as if it were not there, it would look like a unit's answer
        kind = "maps, so it takes channel" if key == "channel" else "dense units, so it takes index"
        raise ApiError(422, f"Layer {layer} has {kind}, not {other}: send {key} alone.")
    if unit is None or not 0 <= unit < shape[0]:
        raise ApiError(422, f"Layer {layer} needs {key}, a whole number from 0 to {shape[0] - 1}.")
    return JSONBytes({"layer": layer, key: unit, "items": exemplar_items(exemplars, model.architecture, layer, unit)})


@router.post("/adversary")
async def create_adversary(request: Request, registry: RegistryDep):
    """A change within the budget that makes the network answer something else."""
    body = await request.body()
    started = time.perf_counter()
    wanted = await off_loop_if_large(body, read_adversary_request, registry)
    # Up to steps forward and backward passes: off the event loop, so the others' drawings keep flowing.
    result = await run_in_threadpool(attack, wanted.model.network, wanted.x, wanted.epsilon, wanted.target, wanted.steps)
    return _timed({
        "pixels": encode(result.pixels), "perturbation": encode(result.pixels - wanted.x),
        "label": result.label, "probabilities": result.probabilities.tolist(), "success": result.success,
        "original_label": result.original_label, "steps_taken": result.steps_taken,
    }, "adversary", started)
