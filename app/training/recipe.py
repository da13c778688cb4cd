"""What a student asks for when pressing Train: checked, then turned into an architecture.

The default recipe is LeNet-5 as shipped (ReLU, max pooling, 6 and 16 filters of 5x5).
The defaults of the optimiser are tuned for the shipped sample: 2 epochs of Adam at 3e-3
with batches of 32 reach about 97% on the MNIST test set (bench/results/train.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..nn.architecture import LENET5, Architecture, LayerSpec
from ..nn.datasets import DATASETS


class TrainRequest(BaseModel):
    """The body of POST /api/train; anything left out takes the default."""

    model_config = ConfigDict(extra="forbid")

    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    name: str = Field("", max_length=60, description="display name in the model picker")
    epochs: int = Field(2, ge=1)
    batch_size: int = Field(32, ge=1, le=512)
    lr: float = Field(3e-3, gt=0, le=100)
    optimizer: Literal["adam", "sgd"] = "adam"
    limit: int | None = Field(None, ge=10, description="training images (default: all 9,000 of the sample)")
    augment: bool = False
    activation: Literal["relu", "leaky_relu", "tanh", "sigmoid"] = "relu"
    pool: Literal["max", "avg"] = "max"
    conv1_filters: int = Field(6, ge=1, le=32)
    conv1_kernel: Literal[3, 5] = 5
    conv2_filters: int = Field(16, ge=1, le=64)
    conv2_kernel: Literal[3, 5] = 5
    dropout: float = Field(0.0, ge=0, le=0.9)
    batchnorm: bool = False
    seed: int = Field(0, ge=0, le=2**31)


def build_architecture(req: TrainRequest) -> Architecture:
    """LeNet-5's shape with the recipe's choices; conv1 pads so its maps stay 28x28."""
    pool = "maxpool" if req.pool == "max" else "avgpool"
    act = req.activation
    layers: list[LayerSpec] = []

    def conv(name, filters, kernel, padding, bn_name):
        if req.batchnorm:  # conv, then batch norm, then the activation as its own layer
            layers.extend([LayerSpec(name, "conv", channels=filters, kernel=kernel, padding=padding),
                           LayerSpec(bn_name, "batchnorm"), LayerSpec(f"{act}_{name}", act)])
        else:
            layers.append(LayerSpec(name, "conv", channels=filters, kernel=kernel, padding=padding, activation=act))

    conv("conv1", req.conv1_filters, req.conv1_kernel, req.conv1_kernel // 2, "bn1")
    layers.append(LayerSpec("pool1", pool, kernel=2, stride=2))
    conv("conv2", req.conv2_filters, req.conv2_kernel, 0, "bn2")
    layers.append(LayerSpec("pool2", pool, kernel=2, stride=2))
    layers.append(LayerSpec("flatten", "flatten"))
    layers.append(LayerSpec("fc1", "dense", channels=120, activation=act))
    if req.dropout:
        layers.append(LayerSpec("dropout", "dropout", rate=req.dropout))
    layers.append(LayerSpec("fc2", "dense", channels=84, activation=act))
    layers.append(LayerSpec("fc3", "dense", channels=10))
    layers.append(LayerSpec("softmax", "softmax"))
    return replace(LENET5, name="trained", layers=tuple(layers), class_names=DATASETS[req.dataset].class_names)
