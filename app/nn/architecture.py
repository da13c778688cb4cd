"""The network described once, as data.

An :class:`Architecture` is an input shape plus an ordered list of :class:`LayerSpec`.
The same description drives the forward and backward passes (``network``), the
receptive-field geometry (``receptive``), the weights file (``weights``), the API and
the page. Shapes use one layout everywhere: (C, H, W) for maps, (D,) for vectors.
What a kind of layer is and does lives in its module of ``app/nn/layers``; a spec only
names the kind and holds its attributes, and an unknown kind is refused here, by name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

from .layers import Layer, layer_class

CONV = "conv"
MAXPOOL = "maxpool"
AVGPOOL = "avgpool"
FLATTEN = "flatten"
DENSE = "dense"
SOFTMAX = "softmax"

# Attributes every layer lists in its JSON; the others only when they differ from the default.
ALWAYS_LISTED = ("name", "kind", "channels", "kernel", "stride", "padding", "activation")
INT_ATTRIBUTES = ("channels", "kernel", "stride", "padding", "dilation")
FLOAT_ATTRIBUTES = ("rate", "slope", "eps", "momentum")


@dataclass(frozen=True)
class LayerSpec:
    """One layer: a kind and its attributes (each kind reads the ones it needs and checks them).
    Conv and dense layers carry their activation (None for a linear layer), so a trace can show
    the weighted input and the activation of the same unit."""

    name: str
    kind: str
    channels: int = 0  # conv: output maps F; dense: output units
    kernel: int = 0  # conv and pool: KH = KW
    stride: int = 1
    padding: int = 0  # on every side: zeros (conv, avgpool) or -inf (maxpool)
    activation: str | None = None  # fused into conv or dense
    dilation: int = 1  # conv: kernel taps this many pixels apart
    rate: float = 0.0  # dropout: the share of units dropped in training
    slope: float = 0.01  # leaky_relu (a layer or fused): slope for negative inputs
    eps: float = 1e-5  # batchnorm: added to the variance
    momentum: float = 0.1  # batchnorm: weight of the new batch in the running averages
    mean: tuple[float, ...] | None = None  # normalize: per channel, 0..1 units
    std: tuple[float, ...] | None = None
    source: str | None = None  # the node of an imported model this layer came from

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a layer needs a name, got {self.name!r}")
        # A spec read from a file can hold anything: whole numbers must be whole, rates numbers.
        for key in INT_ATTRIBUTES:
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"layer {self.name!r}: {key} must be a whole number, got {value!r}")
        for key in FLOAT_ATTRIBUTES:
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
                raise ValueError(f"layer {self.name!r}: {key} must be a number, got {value!r}")
        if self.activation is not None and not isinstance(self.activation, str):
            raise ValueError(f"layer {self.name!r}: activation must be a name or null")
        if self.source is not None and not isinstance(self.source, str):
            raise ValueError(f"layer {self.name!r}: source must be a node name or null")
        for key in ("mean", "std"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, key, tuple(float(v) for v in value))
        try:
            layer_class(self.kind).check(self)
        except ValueError as err:
            if self.name in str(err):
                raise
            raise ValueError(f"layer {self.name!r}: {err}") from None

    @property
    def layer_class(self) -> type[Layer]:
        return layer_class(self.kind)

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ALWAYS_LISTED or value != f.default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> LayerSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"layer {data.get('name')!r}: unknown attribute {', '.join(unknown)}")
        return cls(**data)


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
        if len(self.input_shape) != 3 or any(not isinstance(d, int) or d < 1 for d in self.input_shape):
            raise ValueError(f"the input shape must be (C, H, W) of positive sizes, got {list(self.input_shape)}")
        self.output_shapes()  # raises on an impossible chain

    def build(self) -> list[Layer]:
        """A fresh layer object per spec, each knowing its input and output shapes."""
        built, shape = [], tuple(self.input_shape)
        for spec in self.layers:
            layer = spec.layer_class(spec, shape)
            built.append(layer)
            shape = layer.out_shape
        return built

    @functools.cached_property
    def _shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(layer.out_shape for layer in self.build())

    def layer(self, name: str) -> LayerSpec:
        for spec in self.layers:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def index(self, name: str) -> int:
        return [spec.name for spec in self.layers].index(name)

    def output_shapes(self) -> list[tuple[int, ...]]:
        """Each layer's output shape, in order: (F, H', W') for maps, (D,) for vectors."""
        return list(self._shapes)

    def input_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(self.input_shape)] + self.output_shapes()[:-1]

    def param_decls(self) -> dict[str, object]:
        """Parameter key (f"{layer}.{name}") -> its declaration (``layers.Param``), in layer order."""
        return {layer.key(p.name): p for layer in self.build() for p in layer.params()}

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape: conv w (F, C, KH, KW), dense w (D_in, D_out), biases (F,), ..."""
        return {key: p.shape for key, p in self.param_decls().items()}

    @property
    def n_classes(self) -> int:
        return self.output_shapes()[-1][0]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names),
            "layers": [spec.to_dict() for spec in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Architecture:
        return cls(
            name=data["name"],
            input_shape=tuple(data["input_shape"]),
            layers=tuple(LayerSpec.from_dict(spec) for spec in data["layers"]),
            class_names=tuple(data["class_names"]),
        )


def output_shape(spec: LayerSpec, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Output shape of one layer; spatial sizes follow H' = 1 + (H + 2*pad - K) // stride."""
    return spec.layer_class(spec, tuple(in_shape)).out_shape


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

# A small colour network with the kinds a modern CNN is made of: the picture normalised as
# CIFAR-10's statistics say (per channel, RGB), convolutions followed by batch norm and a ReLU
# layer, max pooling with padding, dropout, global average pooling instead of flatten.
COLOUR32 = Architecture(
    name="colour32",
    input_shape=(3, 32, 32),
    layers=(
        LayerSpec("normalize", "normalize", mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616)),
        LayerSpec("conv1", CONV, channels=8, kernel=3, padding=1),  # (8, 32, 32)
        LayerSpec("bn1", "batchnorm"),
        LayerSpec("relu1", "relu"),
        LayerSpec("pool1", MAXPOOL, kernel=3, stride=2, padding=1),  # (8, 16, 16)
        LayerSpec("conv2", CONV, channels=16, kernel=3, padding=1),  # (16, 16, 16)
        LayerSpec("bn2", "batchnorm"),
        LayerSpec("relu2", "relu"),
        LayerSpec("dropout", "dropout", rate=0.25),
        LayerSpec("gap", "globalavgpool"),  # (16,)
        LayerSpec("fc", DENSE, channels=10),
        LayerSpec("softmax", SOFTMAX),
    ),
    class_names=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
)

ARCHITECTURES = {LENET5.name: LENET5}
