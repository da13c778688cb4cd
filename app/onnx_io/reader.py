"""Reading an ONNX graph that is a chain of layers into our architecture and parameters.

The graph is walked in its (topological) node order, following one data tensor from the
input to the output. Nodes whose inputs are all constants (weights, and the shape arithmetic
exporters write before a Reshape) are folded; every other node must read the current data
tensor and nothing else that is data, so a branch or a join stops the import with a line
naming the node. Attribute values our layers cannot express are refused, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from . import ops
from .constants import FOLDABLE, attributes, fold
from .errors import NotOnnxError, OnnxImportError, node_error, node_label

MAX_INPUT_SIDE = 1024  # pixels: a trace of a larger picture would not fit a page anyway
MAX_TENSOR_ELEMENTS = 64_000_000  # a tensor claiming more is a lie or not a model for this page


@dataclass
class Chain:
    """What the walk has read so far: the layers, and the data tensor's name and shape."""

    input_shape: tuple[int, int, int]
    current: str
    shape: tuple[int, ...]  # the data tensor's ONNX shape without the batch axis
    vector: bool = False  # the engine sees a vector (after global pooling the ONNX shape is (C, 1, 1))
    layers: list[dict] = field(default_factory=list)
    data_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    open_bias: bool = False  # the last layer is a MatMul whose Add may follow
    pending_mean: tuple | None = None  # a Sub at the input, waiting for its Div

    def add(self, layer: dict, output: str, shape: tuple[int, ...]) -> None:
        self.layers.append(layer)
        self.advance(output, shape)

    def advance(self, output: str, shape: tuple[int, ...]) -> None:
        self.current, self.shape = output, tuple(int(d) for d in shape)
        self.data_shapes[output] = self.shape
        self.open_bias = False


def parse(data: bytes) -> onnx.ModelProto:
    """The model from the file's bytes, without following any external data file."""
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as err:
        raise NotOnnxError("the file is not an ONNX model (its bytes do not read as one)") from None
    if not model.graph.node:
        raise NotOnnxError("the file is not an ONNX model (it holds no operations)")
    return model


def read_constants(graph) -> dict[str, np.ndarray]:
    known = {}
    for tensor in graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
            raise OnnxImportError(f"initializer {tensor.name}: its values are in an external file; "
                                  "save the model as one file (weights inside)")
        if int(np.prod(tensor.dims, dtype=np.float64)) > MAX_TENSOR_ELEMENTS:
            raise OnnxImportError(f"initializer {tensor.name}: {list(tensor.dims)} is too large a tensor")
        try:
            known[tensor.name] = numpy_helper.to_array(tensor)
        except (ValueError, TypeError, RuntimeError) as err:
            raise OnnxImportError(f"initializer {tensor.name}: its values do not match its shape ({err})") from None
    return known


def graph_input(graph, known) -> tuple[str, list]:
    inputs = [i for i in graph.input if i.name not in known]
    if len(inputs) != 1:
        raise OnnxImportError(f"the graph has {len(inputs)} data inputs; a chain has one picture as input")
    value = inputs[0]
    dims = [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]
    if len(dims) != 4 or any(d is None or d < 1 for d in dims[1:]):
        raise OnnxImportError(f"input {value.name}: shape {dims} is not a batch of pictures (N, C, H, W) of fixed size")
    return value.name, dims


def read_chain(model: onnx.ModelProto) -> Chain:
    graph = model.graph
    known = read_constants(graph)
    name, dims = graph_input(graph, known)
    nodes = list(graph.node)
    # NHWC frameworks put a Transpose to (N, C, H, W) right after the input.
    first = nodes[0] if nodes else None
    if first is not None and first.op_type == "Transpose" and list(first.input) == [name]:
        if list(attributes(first).get("perm", [])) != [0, 3, 1, 2]:
            raise node_error(first, 0, "only the transpose from (N, H, W, C) to (N, C, H, W) can follow the input")
        shape = (dims[3], dims[1], dims[2])
        chain = Chain(shape, first.output[0], shape)
        start = 1
    else:
        shape = (dims[1], dims[2], dims[3])
        chain = Chain(shape, name, shape)
        start = 0
    if shape[0] not in (1, 3) or max(shape[1:]) > MAX_INPUT_SIDE:
        raise OnnxImportError(f"input {name}: {shape[0]} channels of {shape[1]}x{shape[2]}; "
                              f"a model here takes 1 or 3 channels of at most {MAX_INPUT_SIDE} pixels a side")
    chain.data_shapes[chain.current] = shape
    if start:
        chain.data_shapes[name] = (dims[1], dims[2], dims[3])
    for index in range(start, len(nodes)):
        read_node(nodes[index], index, chain, known)
    outputs = [o.name for o in graph.output]
    if chain.current not in outputs:
        raise OnnxImportError(f"the graph's output {outputs[0] if outputs else '?'} is not the end of the chain "
                              f"(the chain ends at {chain.current})")
    if not chain.layers:
        raise OnnxImportError("the graph has no layers")
    return chain


def read_node(node, index: int, chain: Chain, known: dict) -> None:
    data_inputs = [i for i in node.input if i in chain.data_shapes]
    if node.op_type == "Shape" and data_inputs:
        attrs = attributes(node)
        full = np.array([1, *chain.data_shapes[data_inputs[0]]], np.int64)  # a batch of one
        known[node.output[0]] = full[attrs.get("start", 0):attrs.get("end", len(full))]
        return
    if not data_inputs:
        fold_node(node, index, known)
        return
    if len(data_inputs) > 1:
        raise node_error(node, index, "joins two tensors (a residual addition or two branches); "
                                      "only a chain of layers can be shown")
    if data_inputs[0] != chain.current:
        raise node_error(node, index, f"reads {data_inputs[0]}, which an earlier layer already passed on: "
                                      "a branch; only a chain of layers can be shown")
    reader = ops.READERS.get(node.op_type)
    if reader is None:
        raise node_error(node, index, "this operation is not supported; see docs/api.md for the ones that are")
    constants = [None if not i else known.get(i) for i in node.input]
    for i, (tensor, value) in enumerate(zip(node.input, constants)):
        if tensor and tensor != chain.current and value is None:
            raise node_error(node, index, f"input {tensor} is neither the data nor a constant")
    try:
        reader(node, node_label(node, index), chain, attributes(node), constants)
    except ops.Refused as err:
        raise node_error(node, index, str(err)) from None


def fold_node(node, index: int, known: dict) -> None:
    if node.op_type not in FOLDABLE and node.op_type != "Transpose":
        raise node_error(node, index, "an operation on constants that is not shape arithmetic")
    values = [None if not i else known.get(i) for i in node.input]
    if any(i and v is None for i, v in zip(node.input, values)):
        missing = next(i for i, v in zip(node.input, values) if i and v is None)
        raise node_error(node, index, f"reads {missing}, which no earlier node or initializer makes")
    try:
        if node.op_type == "Transpose":
            value = np.transpose(values[0], attributes(node).get("perm"))
        else:
            value = fold(node, values)
    except (ValueError, TypeError, IndexError) as err:
        raise node_error(node, index, f"cannot be computed from its constants ({err})") from None
    known[node.output[0]] = np.asarray(value)


def load_chain(data: bytes) -> Chain:
    """Parse and walk; any failure is one OnnxImportError line."""
    return read_chain(parse(data))
