"""The network described once, as data.

An :class:`Architecture` is an input shape plus an ordered list of :class:`LayerSpec`.
The same description drives the forward and backward passes (``network``), the
receptive-field geometry (``receptive``), the weights file (``weights``), the API and
the page. Shapes use one layout everywhere: (C, H, W) for maps, (D,) for vectors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CONV = "conv"
MAXPOOL = "maxpool"
AVGPOOL = "avgpool"
FLATTEN = "flatten"
DENSE = "dense"
SOFTMAX = "softmax"
LAYER_KINDS = (CONV, MAXPOOL, AVGPOOL, FLATTEN, DENSE, SOFTMAX)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")

# Layers whose units look at a spatial window of the layer below.
WINDOWED_KINDS = (CONV, MAXPOOL, AVGPOOL)


@dataclass(frozen=True)
class LayerSpec:
    """One layer. Conv and dense layers carry their activation (None for a linear layer),
    so a trace can show the weighted input and the activation of the same unit."""

    name: str
    kind: str
    channels: int = 0  # conv: output maps F; dense: output units
    kernel: int = 0  # conv and pool: KH = KW
    stride: int = 1
    padding: int = 0  # zero padding on every side (conv only)
    activation: str | None = None

    def __post_init__(self):
        if self.kind not in LAYER_KINDS:
            raise ValueError(f"layer {self.name!r}: unknown kind {self.kind!r}")
        if self.activation is not None and self.activation not in ACTIVATIONS:
            raise ValueError(f"layer {self.name!r}: unknown activation {self.activation!r}")
        if self.kind in WINDOWED_KINDS and (self.kernel < 1 or self.stride < 1):
            raise ValueError(f"layer {self.name!r}: kernel and stride must be positive")
        if self.kind in (CONV, DENSE) and self.channels < 1:
            raise ValueError(f"layer {self.name!r}: needs a positive number of channels")

    @property
    def has_params(self) -> bool:
        return self.kind in (CONV, DENSE)


@dataclass(frozen=True)
class Architecture:
    name: str
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: tuple[LayerSpec, ...]
    class_names: tuple[str, ...] = field(default=tuple(str(d) for d in range(10)))

    def __post_init__(self):
        names = [spec.name for spec in self.layers]
        if len(set(names)) != len(names) or "input" in names:
            raise ValueError("layer names must be unique and not 'input'")
        self.output_shapes()  # raises on an impossible chain

    def layer(self, name: str) -> LayerSpec:
        for spec in self.layers:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def index(self, name: str) -> int:
        return [spec.name for spec in self.layers].index(name)

    def output_shapes(self) -> list[tuple[int, ...]]:
        """Each layer's output shape, in order: (F, H', W') for maps, (D,) for vectors."""
        shapes = []
        shape: tuple[int, ...] = tuple(self.input_shape)
        for spec in self.layers:
            shape = output_shape(spec, shape)
            shapes.append(shape)
        return shapes

    def input_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(self.input_shape)] + self.output_shapes()[:-1]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape: conv w (F, C, KH, KW), dense w (D_in, D_out), biases (F,)."""
        shapes = {}
        for spec, in_shape in zip(self.layers, self.input_shapes()):
            if spec.kind == CONV:
                shapes[f"{spec.name}.w"] = (spec.channels, in_shape[0], spec.kernel, spec.kernel)
                shapes[f"{spec.name}.b"] = (spec.channels,)
            elif spec.kind == DENSE:
                shapes[f"{spec.name}.w"] = (in_shape[0], spec.channels)
                shapes[f"{spec.name}.b"] = (spec.channels,)
        return shapes

    @property
    def n_classes(self) -> int:
        return self.output_shapes()[-1][0]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names),
            "layers": [asdict(spec) for spec in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Architecture:
        return cls(
            name=data["name"],
            input_shape=tuple(data["input_shape"]),
            layers=tuple(LayerSpec(**spec) for spec in data["layers"]),
            class_names=tuple(data["class_names"]),
        )


def output_shape(spec: LayerSpec, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Output shape of one layer; spatial sizes follow H' = 1 + (H + 2*pad - K) // stride."""
    if spec.kind in WINDOWED_KINDS:
        if len(in_shape) != 3:
            raise ValueError(f"layer {spec.name!r} needs maps (C, H, W), got {in_shape}")
        c, h, w = in_shape
        pad = spec.padding if spec.kind == CONV else 0
        ho = 1 + (h + 2 * pad - spec.kernel) // spec.stride
        wo = 1 + (w + 2 * pad - spec.kernel) // spec.stride
        if ho < 1 or wo < 1:
            raise ValueError(f"layer {spec.name!r}: kernel larger than its {h}x{w} input")
        return (spec.channels if spec.kind == CONV else c, ho, wo)
    if spec.kind == FLATTEN:
        n = 1
        for d in in_shape:
            n *= d
        return (n,)
    if spec.kind == DENSE:
        if len(in_shape) != 1:
            raise ValueError(f"layer {spec.name!r} needs a vector; add a flatten layer first")
        return (spec.channels,)
    return tuple(in_shape)  # softmax


LENET5 = Architecture(
    name="lenet5",
    input_shape=(1, 28, 28),
    layers=(
        LayerSpec("conv1", CONV, channels=6, kernel=5, padding=2, activation="relu"),
        LayerSpec("pool1", MAXPOOL, kernel=2, stride=2),
        LayerSpec("conv2", CONV, channels=16, kernel=5, activation="relu"),
        LayerSpec("pool2", MAXPOOL, kernel=2, stride=2),
        LayerSpec("flatten", FLATTEN),
        LayerSpec("fc1", DENSE, channels=120, activation="relu"),
        LayerSpec("fc2", DENSE, channels=84, activation="relu"),
        LayerSpec("fc3", DENSE, channels=10),
        LayerSpec("softmax", SOFTMAX),
    ),
)

ARCHITECTURES = {LENET5.name: LENET5}
