"""The activations a conv or dense layer may carry fused (kept beside its weighted input, so a
trace shows a unit before and after). The same functions are layers of their own in
``activations.py``."""

from __future__ import annotations

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


def check_activation(spec) -> None:
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        raise ValueError(f"layer {spec.name!r}: unknown activation {spec.activation!r}")
