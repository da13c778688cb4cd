"""From a read chain to one of our networks: layer names, parameter keys, the optional
normalisation in front, a softmax added behind when the model has none, class names and how
an uploaded picture is prepared for it. ``import_onnx`` is what the CLI and the API call."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..nn import weights
from ..nn.architecture import Architecture, LayerSpec
from ..nn.datasets import Preparation
from ..nn.network import Network
from .errors import OnnxImportError
from .reader import Chain, load_chain

# Layer names shown on the page: conv1, bn1, relu1, pool1, ... (the ONNX node stays in "source").
PREFIX = {"conv": "conv", "batchnorm": "bn", "maxpool": "pool", "avgpool": "avgpool", "globalavgpool": "gap",
          "dense": "fc", "dropout": "dropout", "flatten": "flatten", "softmax": "softmax", "relu": "relu",
          "leaky_relu": "leaky", "tanh": "tanh", "sigmoid": "sigmoid", "normalize": "normalize"}
SINGLE = ("flatten", "softmax", "globalavgpool", "normalize")  # named without a number when there is one

PREPARATIONS = {
    "digit": Preparation(20, "mass", "ink"),  # MNIST: ink fitted in 20x20, centred by mass
    "box": Preparation(28, "box", "ink"),  # Fashion-MNIST: the object's box fills the picture
    "photo": Preparation(kind="photo"),  # shorter side resized, centre crop, colour kept
}
MAX_UNITS = 4_000_000  # every layer's outputs together, for one image: a trace has to reach a page
MAX_PATCH_VALUES = 30_000_000  # a convolution's unfolded input (H' * W' * C * K * K) for one image


def check_cost(architecture: Architecture) -> None:
    """Refuse a network whose one-image trace would take more memory than a page can show,
    before anything runs it."""
    units = 0
    for layer in architecture.build():
        units += int(np.prod(layer.out_shape))
        if layer.kind == "conv":
            patch = int(np.prod(layer.out_shape[1:])) * layer.in_shape[0] * layer.spec.kernel ** 2
            if patch > MAX_PATCH_VALUES:
                raise OnnxImportError(f"layer {layer.name} ({layer.spec.source or 'conv'}) is too large to trace here")
    if units > MAX_UNITS:
        raise OnnxImportError(f"its layers hold {units:,} values for one picture; at most {MAX_UNITS:,} can be traced")


SPEC_KEYS = ("channels", "kernel", "stride", "padding", "dilation", "rate", "slope", "eps", "momentum")


def build_network(chain: Chain, classes=None, mean=None, std=None) -> tuple[Network, list[str]]:
    """The network and the names of layers added for the display (not in the ONNX graph)."""
    entries = [dict(layer) for layer in chain.layers]
    added = []
    if mean is not None or std is not None:
        c = chain.input_shape[0]
        mean, std = _per_channel(mean, c, "mean"), _per_channel(std, c, "std")
        if min(std) <= 0:
            raise OnnxImportError("--std values must be more than 0")
        if entries[0]["kind"] == "normalize":
            raise OnnxImportError("the graph normalises its input itself; give no --mean or --std")
        entries.insert(0, {"kind": "normalize", "mean": tuple(mean), "std": tuple(std), "name": "normalize"})
        added.append("normalize")
    if entries[-1]["kind"] != "softmax":
        entries.append({"kind": "softmax", "name": "softmax"})
        added.append("softmax")
    counts, seen = Counter(e["kind"] for e in entries), Counter()
    specs, params = [], {}
    for entry in entries:
        kind = entry["kind"]
        seen[kind] += 1
        name = entry.get("name") or (PREFIX[kind] if kind in SINGLE and counts[kind] == 1
                                     else f"{PREFIX[kind]}{seen[kind]}")
        attrs = {k: entry[k] for k in SPEC_KEYS + ("mean", "std") if k in entry}
        try:
            specs.append(LayerSpec(name, kind, source=entry.get("source"), **attrs))
        except ValueError as err:
            raise OnnxImportError(f"node {entry.get('source')}: {err}") from None
        for key, value in entry.get("params", {}).items():
            params[f"{name}.{key}"] = value
    n_out = chain.shape[0] if len(chain.shape) == 1 else 0
    names = tuple(classes) if classes else tuple(str(i) for i in range(n_out))
    if len(names) != n_out:
        raise OnnxImportError(f"{len(names)} class names for {n_out} outputs")
    try:
        architecture = Architecture("imported", chain.input_shape, tuple(specs), names)
        check_cost(architecture)
        network = Network(architecture, params)
    except ValueError as err:
        raise OnnxImportError(f"the chain does not make a network here: {err}") from None
    return network, added


def _per_channel(values, channels: int, what: str) -> list[float]:
    values = [0.0] if values is None and what == "mean" else [1.0] if values is None else [float(v) for v in values]
    if len(values) == 1:
        values = values * channels
    if len(values) != channels or not np.isfinite(values).all():
        raise OnnxImportError(f"--{what} needs 1 or {channels} numbers, got {len(values)}")
    return values


def import_onnx(data: bytes, name: str | None = None, classes=None, preparation: str | None = None,
                mean=None, std=None) -> tuple[Network, dict]:
    """An ONNX file's bytes -> (network, metadata), or OnnxImportError with one line."""
    chain = load_chain(data)
    network, added = build_network(chain, classes, mean, std)
    channels = chain.input_shape[0]
    kind = preparation or ("photo" if channels == 3 else "digit")
    if kind not in PREPARATIONS:
        raise OnnxImportError(f"preparation {kind!r} is not one of {', '.join(PREPARATIONS)}")
    metadata = {
        "name": name or "Imported model",
        "dataset": "imported",
        "format": "onnx",
        "preparation": PREPARATIONS[kind].to_dict(),
        "added_layers": added,
    }
    try:
        weights.check(network, "the model")
    except weights.WeightsError as err:
        raise OnnxImportError(str(err)) from None
    return network, metadata


def import_file(path: str | Path, out: str | Path, **options) -> Network:
    """Read an ONNX file and write our weights file; returns the network."""
    path = Path(path)
    if not path.is_file():
        raise OnnxImportError(f"{path}: no such file")
    network, metadata = import_onnx(path.read_bytes(), **options)
    weights.save(out, network, metadata)
    return network
