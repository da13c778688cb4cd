"""What a unit looks for: the 9 test images that excite it most, computed once per model.

For every channel of every layer whose output is maps (each image scored by its strongest
position in that channel) and every unit of every weighted vector layer (dense). They are kept
beside the model file (``mnist.npz`` -> ``mnist.exemplars.npz``), so the model file, and with it
the model's identity, stays as it was.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..nn.receptive import receptive_field
from .gradients import forward_cached, score_layers
from .samples import TestSet

TOP = 9
BATCH = 500


def exemplar_path(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".exemplars.npz")


def exemplar_layers(network) -> list:
    """The layers that get exemplars: maps layers, and vector layers with weights (dense)."""
    return [layer for layer in score_layers(network) if len(layer.out_shape) == 3 or layer.weighted]


def compute_exemplars(network, test_set: TestSet) -> dict[str, np.ndarray]:
    """Per layer L: L/sample, L/activation, L/y, L/x, each (units, TOP), best first; ties go to
    the lower sample index (a stable sort of the negated activations)."""
    layers = exemplar_layers(network)
    indices = [score_layers(network).index(layer) for layer in layers]
    best: dict[str, list] = {layer.name: [] for layer in layers}
    where: dict[str, list] = {layer.name: [] for layer in layers}
    for start in range(0, len(test_set.labels), BATCH):
        _, outputs, _ = forward_cached(network, test_set.inputs(start, start + BATCH))
        for layer, i in zip(layers, indices):
            out = outputs[i]
            if out.ndim == 4:
                flat = out.reshape(out.shape[0], out.shape[1], -1)  # (N, F, H'*W')
                at = flat.argmax(axis=2)  # (N, F): first strongest position, row-major
                best[layer.name].append(np.take_along_axis(flat, at[..., None], axis=2)[..., 0])
                where[layer.name].append(at)
            else:
                best[layer.name].append(out)  # (N, D)
    result = {}
    for layer in layers:
        values = np.concatenate(best[layer.name])  # (N, units)
        order = np.argsort(-values, axis=0, kind="stable")[:TOP].T  # (units, TOP)
        result[f"{layer.name}/sample"] = order.astype(np.int32)
        result[f"{layer.name}/activation"] = np.take_along_axis(values.T, order, axis=1).astype(np.float32)
        if where[layer.name]:
            pos = np.take_along_axis(np.concatenate(where[layer.name]).T, order, axis=1)
            w = layer.out_shape[2]
            result[f"{layer.name}/y"], result[f"{layer.name}/x"] = (pos // w).astype(np.int32), (pos % w).astype(np.int32)
    return result


def save_exemplars(path: Path, exemplars: dict, test_set: TestSet) -> None:
    np.savez_compressed(path, **exemplars, test_set=np.array(test_set.name), n=np.array(len(test_set.labels)))


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def load_exemplars(path: Path) -> dict[str, np.ndarray] | None:
    """The file's arrays, or None when no exemplars were computed for that model."""
    path = Path(path)
    if not path.is_file():
        return None
    return _load(str(path), path.stat().st_mtime)


def exemplar_items(exemplars: dict, architecture, layer: str, unit: int) -> list[dict]:
    """The 9 items of one channel (or dense unit) as the API returns them; the box is the unit's
    receptive field in the input, inclusive, and the whole input for a dense unit."""
    samples = exemplars[f"{layer}/sample"][unit]
    values = exemplars[f"{layer}/activation"][unit]
    items = []
    if f"{layer}/y" in exemplars:
        for s, a, y, x in zip(samples, values, exemplars[f"{layer}/y"][unit], exemplars[f"{layer}/x"][unit]):
            r = receptive_field(architecture, layer, unit, int(y), int(x))[-1]
            items.append({"sample": int(s), "activation": float(a), "y": int(y), "x": int(x),
                          "box": [r.y0, r.x0, r.y1, r.x1]})
    else:
        _, h, w = architecture.input_shape
        items = [{"sample": int(s), "activation": float(a), "box": [0, 0, h - 1, w - 1]} for s, a in zip(samples, values)]
    return items
