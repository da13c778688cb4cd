"""Small architectures for the tests, built from LayerSpecs like any other."""

from __future__ import annotations

from app.nn.architecture import AVGPOOL, CONV, DENSE, FLATTEN, MAXPOOL, SOFTMAX, Architecture, LayerSpec

# Every layer kind and every activation, small enough for a full numerical gradient check.
TINY = Architecture(
    name="tiny",
    input_shape=(2, 10, 10),
    layers=(
        LayerSpec("conv1", CONV, channels=2, kernel=3, padding=1, activation="tanh"),  # (2, 10, 10)
        LayerSpec("pool1", AVGPOOL, kernel=2, stride=2),  # (2, 5, 5)
        LayerSpec("conv2", CONV, channels=3, kernel=3, stride=2, padding=1, activation="relu"),  # (3, 3, 3)
        LayerSpec("pool2", MAXPOOL, kernel=2, stride=1),  # (3, 2, 2)
        LayerSpec("flatten", FLATTEN),  # (12,)
        LayerSpec("fc1", DENSE, channels=5, activation="sigmoid"),
        LayerSpec("fc2", DENSE, channels=4, activation="leaky_relu"),
        LayerSpec("fc3", DENSE, channels=3),
        LayerSpec("softmax", SOFTMAX),
    ),
    class_names=("a", "b", "c"),
)

# Only linear layers (no activation, average pooling), with padding and strides no larger
# than the kernels: with positive weights a unit depends on every unit of its receptive box.
LINEAR = Architecture(
    name="linear",
    input_shape=(2, 13, 13),
    layers=(
        LayerSpec("conv_a", CONV, channels=3, kernel=3, padding=2),  # (3, 15, 15)
        LayerSpec("pool_a", AVGPOOL, kernel=3, stride=2),  # (3, 7, 7)
        LayerSpec("conv_b", CONV, channels=2, kernel=3, stride=2, padding=1),  # (2, 4, 4)
        LayerSpec("pool_b", AVGPOOL, kernel=2, stride=1),  # (2, 3, 3)
        LayerSpec("flatten", FLATTEN),  # (18,)
        LayerSpec("fc", DENSE, channels=4),
    ),
)

# Padding after a stride, at two depths: a layer's padding counts in steps of the jump
# below it (conv_b pads by 1 step of 2 input pixels, conv_c by 2 steps of 2). Linear, with
# average pooling, so that with positive weights every pixel of a window reaches the unit.
PADDED_AFTER_STRIDE = Architecture(
    name="padded-after-stride",
    input_shape=(1, 23, 23),
    layers=(
        LayerSpec("conv_a", CONV, channels=2, kernel=3, stride=2),  # (2, 11, 11)
        LayerSpec("conv_b", CONV, channels=2, kernel=3, padding=1),  # (2, 11, 11)
        LayerSpec("pool", AVGPOOL, kernel=2, stride=1),  # (2, 10, 10)
        LayerSpec("conv_c", CONV, channels=2, kernel=3, stride=2, padding=2),  # (2, 6, 6)
        LayerSpec("flatten", FLATTEN),  # (72,)
        LayerSpec("fc", DENSE, channels=3),
        LayerSpec("softmax", SOFTMAX),
    ),
    class_names=("a", "b", "c"),
)
