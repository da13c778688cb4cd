"""Edits to the network for one request: a conv kernel or bias replaced, a map or unit ablated.

The shared model never changes. Replaced parameters go into a shallow copy of the
parameter dict (only the edited arrays are new), and ablations become masks the forward
pass multiplies into a layer's output the moment it is computed (``Network.forward`` and
``Network.trace``), so every layer above sees the ablated map or unit as zeros. Whatever a
request sends is checked here, with a sentence a student can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_EDITS = 64
MAX_MAGNITUDE = 1000.0  # larger kernel weights or biases only saturate every layer above


class EditError(ValueError):
    """An edit the network cannot take; the message says why."""


@dataclass
class Edits:
    replaced: dict[str, np.ndarray] = field(default_factory=dict)  # parameter key -> new array
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # layer index -> 0/1 mask (1, C, 1, 1) or (1, D)

    def __bool__(self) -> bool:
        return bool(self.replaced or self.masks)

    def params(self, network) -> dict:
        """The network's parameters with the replaced arrays swapped in (a new dict; the network's own is untouched)."""
        if not self.replaced:
            return network.params
        return {**network.params, **self.replaced}


def _is_conv(layer) -> bool:
    return any(p.name == "w" and len(p.shape) == 4 for p in layer.params())


def _numbers(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A nested list of finite numbers of exactly this shape, as float32."""
    def check(v, dims):
        if not dims:
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v != v or abs(v) > MAX_MAGNITUDE:
                raise EditError(f"{what} must hold numbers between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}.")
            return
        if not isinstance(v, list) or len(v) != dims[0]:
            raise EditError(f"{what} must be a {' x '.join(map(str, shape))} array of numbers.")
        for item in v:
            check(item, dims[1:])
    check(value, shape)
    return np.array(value, dtype=np.float32).reshape(shape)


def _index(edit: dict, key: str, size: int, layer: str) -> int:
    value = edit.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < size:
        raise EditError(f"An edit of {layer} needs {key} as a whole number from 0 to {size - 1}.")
    return value


def _layer(network, name) -> tuple[int, object]:
    names = [layer.name for layer in network.layers]
    if not isinstance(name, str) or name not in names:
        raise EditError(f"An edit names no layer {str(name)[:40]!r}; the layers are {', '.join(names)}.")
    i = names.index(name)
    return i, network.layers[i]


def _mask(masks: dict, i: int, shape: tuple[int, ...]) -> np.ndarray:
    if i not in masks:
        masks[i] = np.ones((1, shape[0], 1, 1) if len(shape) == 3 else (1, shape[0]), np.float32)
    return masks[i]


def parse_edits(value, network) -> Edits:
    """The request's "edits" list checked against this network (see docs/api.md)."""
    if not isinstance(value, list):
        raise EditError("edits must be a list of edits, each an object with a layer.")
    if len(value) > MAX_EDITS:
        raise EditError(f"At most {MAX_EDITS} edits in one request; this one has {len(value)}.")
    edits = Edits()
    for edit in value:
        if not isinstance(edit, dict):
            raise EditError("Each edit must be an object such as {\"layer\": \"conv1\", \"channel\": 0, \"ablate\": true}.")
        unknown = set(edit) - {"layer", "channel", "index", "kernel", "bias", "ablate"}
        if unknown:
            raise EditError(f"An edit has unknown keys {', '.join(sorted(map(str, unknown)))[:80]}; "
                            "use layer, channel or index, kernel, bias, ablate.")
        i, layer = _layer(network, edit.get("layer"))
        shape = layer.out_shape
        if "ablate" in edit:
            if edit["ablate"] is not True or "kernel" in edit or "bias" in edit:
                raise EditError('An ablation is {"layer", "channel" or "index", "ablate": true}, with nothing else.')
            if len(shape) == 3:
                _mask(edits.masks, i, shape)[0, _index(edit, "channel", shape[0], layer.name)] = 0
            elif len(shape) == 1 and layer.weighted and "index" in edit:
                _mask(edits.masks, i, shape)[0, _index(edit, "index", shape[0], layer.name)] = 0
            else:
                raise EditError(f"{layer.name} cannot be ablated: ablate a map of a layer with maps (by channel) "
                                "or a unit of a dense layer (by index).")
            continue
        if not _is_conv(layer):
            raise EditError(f"{layer.name} is not a conv layer: only a conv layer's kernel or bias can be replaced.")
        if "kernel" not in edit and "bias" not in edit:
            raise EditError(f"An edit of {layer.name} needs a kernel, a bias or \"ablate\": true.")
        c = _index(edit, "channel", shape[0], layer.name)
        w_key, b_key = layer.key("w"), layer.key("b")
        if "kernel" in edit:
            _, c_in, k, _ = network.params[w_key].shape
            raw = edit["kernel"]
            as_grid = c_in == 1 and isinstance(raw, list) and raw and isinstance(raw[0], list) \
                and raw[0] and not isinstance(raw[0][0], list)
            kernel = _numbers(raw, (k, k) if as_grid else (c_in, k, k), f"The kernel of {layer.name}")
            w = edits.replaced.setdefault(w_key, network.params[w_key].copy())
            w[c] = kernel.reshape(c_in, k, k)
        if "bias" in edit:
            bias = _numbers(edit["bias"], (), f"The bias of {layer.name}")
            b = edits.replaced.setdefault(b_key, network.params[b_key].copy())
            b[c] = bias
    return edits
