"""Folding the shape arithmetic exporters emit before a Reshape (Shape, Gather, Unsqueeze,
Concat, ...): small integer tensors computed here from constants alone, never from data."""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

# Ops evaluated when every input is known: the arithmetic a PyTorch or Keras exporter writes
# to compute the flattened size from the input's shape.
FOLDABLE = {"Identity", "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Mul",
            "Div", "ReduceProd", "Reshape"}

MAX_FOLDED = 64  # elements: shape arithmetic is a handful of integers, never a weight


def attributes(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def constant_value(node) -> np.ndarray:
    attrs = attributes(node)
    if "value" in attrs:
        return numpy_helper.to_array(attrs["value"])
    for key in ("value_float", "value_int"):
        if key in attrs:
            return np.array(attrs[key])
    for key in ("value_floats", "value_ints"):
        if key in attrs:
            return np.array(list(attrs[key]))
    raise ValueError("a Constant with a sparse or string value")


def fold(node, inputs: list[np.ndarray | None]) -> np.ndarray:
    """The value of a foldable node from its known inputs; ValueError when it cannot be."""
    op, attrs = node.op_type, attributes(node)
    if op == "Identity":
        return inputs[0]
    if op == "Constant":
        return constant_value(node)
    for value in inputs:
        if value is not None and value.size > MAX_FOLDED and op != "Identity":
            raise ValueError("shape arithmetic on a tensor this large is not shape arithmetic")
    if op == "Gather":
        return np.take(inputs[0], inputs[1], axis=attrs.get("axis", 0))
    if op == "Unsqueeze":
        axes = attrs.get("axes", None) if len(inputs) < 2 else inputs[1].tolist()
        out = inputs[0]
        for axis in sorted(int(a) for a in axes):
            out = np.expand_dims(out, axis)
        return out
    if op == "Squeeze":
        axes = attrs.get("axes", None) if len(inputs) < 2 else inputs[1].tolist()
        return np.squeeze(inputs[0], axis=None if axes is None else tuple(int(a) for a in axes))
    if op == "Concat":
        return np.concatenate([np.atleast_1d(v) for v in inputs], axis=attrs.get("axis", 0))
    if op == "Cast":
        return inputs[0].astype(np.int64) if inputs[0].dtype.kind in "iu" else inputs[0]
    if op == "Slice":
        data, starts, ends = inputs[0], inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
        steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
        index = [slice(None)] * data.ndim
        for s, e, a, st in zip(starts, ends, axes, steps):
            index[int(a)] = slice(int(s), int(min(e, 2**31)), int(st))
        return data[tuple(index)]
    if op == "Mul":
        return inputs[0] * inputs[1]
    if op == "Div":
        return inputs[0] // inputs[1]
    if op == "Reshape":  # PyTorch's dynamo exporter reshapes a ReduceMean's constant axes
        return reshape(inputs[0], inputs[1], int(attrs.get("allowzero", 0)))
    if op == "ReduceProd":
        return np.array([np.prod(inputs[0])] if attrs.get("keepdims", 1) else np.prod(inputs[0]))
    raise ValueError(f"cannot fold {op}")


def reshape(data: np.ndarray, target: np.ndarray, allowzero: int = 0) -> np.ndarray:
    """ONNX Reshape: a 0 copies the input's size on that axis (unless allowzero), one -1 is inferred."""
    sizes = [int(t) for t in np.asarray(target).ravel()]
    if not allowzero:
        sizes = [data.shape[i] if t == 0 and i < data.ndim else t for i, t in enumerate(sizes)]
    return np.reshape(data, sizes)
