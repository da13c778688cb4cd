"""What every layer kind declares, and the registry that maps a kind's name to its class.

A kind is one class in its own module of this package. It says everything about itself:
its output shape, its parameters (name, shape, initialiser, whether weight decay applies),
forward and backward with an explicit cache and an explicit mode ("train" or "infer"), how
its units read the layer below (``Reads``, for receptive fields), the arithmetic of one unit
(``explain``), and what the API and the page need (``description``, ``weighted``, ``sends``).
``network``, ``receptive``, ``explain``, ``architecture``, ``weights``, the optimiser and the
API ask the registry; none of them names a kind. An unknown kind raises, with its name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np

from .. import functions as fn

MODES = ("train", "infer")


class UnknownKindError(ValueError):
    """A layer kind (or a geometry type) no module of this package defines."""


@dataclass(frozen=True)
class Param:
    """One parameter array of a layer. ``trainable`` False marks a buffer the forward pass
    updates itself (batch norm's running averages): no gradient, no optimiser step."""

    name: str  # short name; the network's key is f"{layer}.{name}"
    shape: tuple[int, ...]
    init: str  # "he" (normal, std sqrt(2 / fan_in)), "zeros" or "ones"
    decay: bool = False
    trainable: bool = True


@dataclass(frozen=True)
class Reads:
    """How a unit sees the layer below, for receptive fields.

    type "window": rows y*stride - padding + k*dilation for k < kernel (the same for columns),
    of every channel below (channels "all") or of its own (channels "own");
    "same": the unit at the same place below and nothing else (elementwise layers);
    "channel": every position of its own channel (global pooling, maps -> a vector);
    "flatten": the one unit below whose C-order index is its index;
    "all": every unit below.
    """

    type: str
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    channels: str = "own"

    def to_dict(self) -> dict:
        if self.type == "window":
            return asdict(self)
        return {"type": self.type}


READ_TYPES = ("window", "same", "channel", "flatten", "all")


class Layer:
    """Base of every layer kind; one instance per layer of a network.

    Inputs to forward: x of shape (N, *in_shape); params the network's whole dict.
    Returns: out (N, *out_shape) and a cache that backward (and ``traced``) read.
    """

    kind: ClassVar[str]
    description: ClassVar[str]  # one sentence a teacher can read aloud
    weighted: ClassVar[bool] = False  # has a weighted input before a fused activation
    sends: ClassVar[tuple[str, ...]] = ("output",)  # the fields of its layer in a trace
    folds_into_loss: ClassVar[bool] = False  # the last softmax, folded into the cross-entropy

    def __init__(self, spec, in_shape: tuple[int, ...]):
        self.spec = spec
        self.name = spec.name
        self.in_shape = tuple(in_shape)
        self.out_shape = tuple(self.output_shape(self.in_shape))

    # -- declarations -------------------------------------------------------------------
    @classmethod
    def check(cls, spec) -> None:
        """Raise ValueError when the spec's attributes do not make this kind of layer."""

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        return in_shape

    def params(self) -> tuple[Param, ...]:
        return ()

    def reads(self) -> Reads:
        raise NotImplementedError

    def key(self, param: str) -> str:
        return f"{self.name}.{param}"

    def needs_maps(self, in_shape) -> None:
        if len(in_shape) != 3:
            raise ValueError(f"layer {self.name!r} ({self.kind}) needs maps (C, H, W), got {list(in_shape)}")

    # -- maths --------------------------------------------------------------------------
    def forward(self, x: np.ndarray, params: dict, mode: str):
        raise NotImplementedError

    def backward(self, dout: np.ndarray, cache, need_dx: bool = True):
        """Returns: dx (N, *in_shape) or None, and {parameter key: gradient}."""
        raise NotImplementedError

    def input_gradient(self, dout: np.ndarray, cache) -> np.ndarray:
        """dx alone (saliency, the adversary): kinds with parameters skip their gradients."""
        return self.backward(dout, cache, need_dx=True)[0]

    def traced(self, cache):
        """(weighted_input, argmax) with the batch axis, for kinds whose ``sends`` has them."""
        return None, None

    def trace_single(self, x: np.ndarray, params: dict):
        """One image at inference, for the trace: x (*in_shape) without the batch axis.
        Returns: (output, weighted_input or None, argmax or None), without the batch axis.

        This default runs the batch forward on a batch of one. Kinds on the path of the
        shipped models override it with fewer NumPy calls: a one-image trace spends its time
        in per-call overhead (1.5-4 us each), not in arithmetic."""
        out, cache = self.forward(x[None], params, "infer")
        if len(self.sends) == 1:
            return out[0], None, None
        z, argmax = self.traced(cache)
        return out[0], None if z is None else z[0], None if argmax is None else argmax[0]

    # -- one unit in words and numbers ----------------------------------------------------
    def explain(self, unit: tuple[int, ...], below: np.ndarray, out: np.ndarray, params: dict, trace) -> dict:
        """The arithmetic of one unit; below and out without the batch axis."""
        raise NotImplementedError


class Weighted(Layer):
    """What conv and dense share: a weight array w and one bias per output channel (or unit),
    a weighted input z = (x * w) + b, and an optional fused activation kept apart from z, so
    a trace shows a unit before and after it. A kind declares its weight shape and its
    linear maths (``linear_forward``, ``linear_backward``); the rest is here, once."""

    weighted = True
    sends = ("output", "weighted_input")

    def __init__(self, spec, in_shape):
        super().__init__(spec, in_shape)
        self.w_key, self.b_key = self.key("w"), self.key("b")  # looked up on every forward pass

    def weight_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def linear_forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray):
        """Returns: the weighted input z and a cache for linear_backward."""
        raise NotImplementedError

    def linear_backward(self, dz: np.ndarray, cache, need_dx: bool):
        """Returns: dx (or None), dw, db."""
        raise NotImplementedError

    def linear_input_gradient(self, dz: np.ndarray, cache) -> np.ndarray:
        return self.linear_backward(dz, cache, True)[0]

    def linear_single(self, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The weighted input z of one image (no batch axis), no cache: by the batch maths
        unless a kind has a faster way."""
        return self.linear_forward(x[None], w, b)[0][0]

    def params(self):
        # He-normal weights suit the ReLU most layers carry; weight decay on weights, not biases.
        return (Param("w", self.weight_shape(), "he", decay=True), Param("b", (self.spec.channels,), "zeros"))

    def forward(self, x, params, mode):
        z, cache = self.linear_forward(x, params[self.w_key], params[self.b_key])
        act = self.spec.activation
        out = z if act is None else fn.activation_forward(z, act, self.spec.slope)
        return out, (z, out, cache)

    def backward(self, dout, cache, need_dx=True):
        z, out, linear_cache = cache
        if self.spec.activation is not None:
            dout = fn.activation_backward(dout, z, out, self.spec.activation, self.spec.slope)
        dx, dw, db = self.linear_backward(dout, linear_cache, need_dx)
        return dx, {self.w_key: dw, self.b_key: db}

    def input_gradient(self, dout, cache):
        z, out, linear_cache = cache
        if self.spec.activation is not None:
            dout = fn.activation_backward(dout, z, out, self.spec.activation, self.spec.slope)
        return self.linear_input_gradient(dout, linear_cache)

    def traced(self, cache):
        return cache[0], None  # the weighted input z

    def trace_single(self, x, params):
        # The weights are read on every call: the labs edit them between two traces.
        z = self.linear_single(x, params[self.w_key], params[self.b_key])
        act = self.spec.activation
        return (z if act is None else fn.activation_single(z, act, self.spec.slope)), z, None


KINDS: dict[str, type[Layer]] = {}


def register(cls: type[Layer]) -> type[Layer]:
    if cls.kind in KINDS:
        raise ValueError(f"layer kind {cls.kind!r} is defined twice")
    KINDS[cls.kind] = cls
    return cls


def layer_class(kind: str) -> type[Layer]:
    """The class of a kind, or UnknownKindError naming it and the kinds there are."""
    try:
        return KINDS[kind]
    except (KeyError, TypeError):
        raise UnknownKindError(f"unknown kind {kind!r}; the kinds are {', '.join(sorted(KINDS))}") from None


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be 'train' or 'infer', not {mode!r}")
    return mode


def initial_value(param: Param, rng: np.random.Generator, dtype) -> np.ndarray:
    """He-normal weights (fan_in = every axis but the first for conv (F, C, KH, KW), the first
    for dense (D_in, D_out)), zeros or ones."""
    if param.init == "zeros":
        return np.zeros(param.shape, dtype)
    if param.init == "ones":
        return np.ones(param.shape, dtype)
    if param.init == "he":
        shape = param.shape
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        return rng.normal(0, np.sqrt(2 / fan_in), shape).astype(dtype)
    raise ValueError(f"unknown initialiser {param.init!r}")
