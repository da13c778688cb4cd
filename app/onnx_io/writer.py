"""Writing one of our networks as an ONNX graph (opset 13), one or two nodes per layer, each
named after its layer, so that any runtime gives the outputs our engine gives."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
ACTIVATION_OPS = {"relu": "Relu", "leaky_relu": "LeakyRelu", "tanh": "Tanh", "sigmoid": "Sigmoid"}


class _Graph:
    def __init__(self):
        self.nodes, self.inits = [], []

    def const(self, name: str, value) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, name: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output


def _activation(g: _Graph, x: str, spec) -> str:
    if spec.activation is None:
        return x
    op = ACTIVATION_OPS[spec.activation]
    attrs = {"alpha": float(spec.slope)} if spec.activation == "leaky_relu" else {}
    return g.node(op, [x], spec.name, f"{spec.name}/{spec.activation}", **attrs)


def _layer(g: _Graph, x: str, layer, params: dict) -> str:
    """Nodes for one layer; returns the name of its output, which is the layer's name."""
    spec, kind, name = layer.spec, layer.kind, layer.name
    fused = getattr(spec, "activation", None) is not None
    out = f"{name}/linear" if fused else name
    if kind == "normalize":
        c = len(spec.mean)
        mean = g.const(f"{name}.mean", np.array(spec.mean, np.float32).reshape(1, c, 1, 1))
        std = g.const(f"{name}.std", np.array(spec.std, np.float32).reshape(1, c, 1, 1))
        return g.node("Div", [g.node("Sub", [x, mean], f"{name}/centred", f"{name}/sub"), std], name, name)
    if kind == "conv":
        p = spec.padding
        g.node("Conv", [x, g.const(f"{name}.w", params[f"{name}.w"]), g.const(f"{name}.b", params[f"{name}.b"])],
               out, name, strides=[spec.stride] * 2, pads=[p] * 4, dilations=[spec.dilation] * 2,
               kernel_shape=[spec.kernel] * 2)
        return _activation(g, out, spec)
    if kind in ("maxpool", "avgpool"):
        attrs = {"kernel_shape": [spec.kernel] * 2, "strides": [spec.stride] * 2, "pads": [spec.padding] * 4}
        if kind == "avgpool":
            attrs["count_include_pad"] = 1
        return g.node("MaxPool" if kind == "maxpool" else "AveragePool", [x], name, name, **attrs)
    if kind == "dense":
        g.node("Gemm", [x, g.const(f"{name}.w", params[f"{name}.w"]), g.const(f"{name}.b", params[f"{name}.b"])],
               out, name)
        return _activation(g, out, spec)
    if kind == "batchnorm":
        keys = [g.const(f"{name}.{k}", params[f"{name}.{k}"]) for k in ("gamma", "beta", "running_mean", "running_var")]
        return g.node("BatchNormalization", [x, *keys], name, name, epsilon=float(spec.eps),
                      momentum=1.0 - float(spec.momentum))
    if kind == "dropout":
        return g.node("Dropout", [x, g.const(f"{name}.ratio", np.array(spec.rate, np.float32))], name, name)
    if kind in ACTIVATION_OPS:
        attrs = {"alpha": float(spec.slope)} if kind == "leaky_relu" else {}
        return g.node(ACTIVATION_OPS[kind], [x], name, name, **attrs)
    if kind == "globalavgpool":
        pooled = g.node("GlobalAveragePool", [x], f"{name}/maps", name)
        return g.node("Flatten", [pooled], name, f"{name}/flatten", axis=1)
    if kind == "flatten":
        return g.node("Flatten", [x], name, name, axis=1)
    if kind == "softmax":
        return g.node("Softmax", [x], name, name, axis=1)
    raise ValueError(f"layer {name!r}: kind {kind!r} has no ONNX form here")


def export_network(network, graph_name: str = "cnnvis", every_layer: bool = False) -> onnx.ModelProto:
    """The network as an ONNX model taking "input" (N, C, H, W) in 0..1 units; with
    every_layer, each layer's output is a graph output too (to compare layer by layer)."""
    g, x = _Graph(), "input"
    shapes = network.architecture.output_shapes()
    outputs = []
    for layer, shape in zip(network.layers, shapes):
        x = _layer(g, x, layer, network.params)
        outputs.append(helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", *shape]))
    if not every_layer:
        outputs = outputs[-1:]
    c, h, w = network.architecture.input_shape
    graph = helper.make_graph(g.nodes, graph_name, [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                                  ["N", c, h, w])],
                              outputs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="cnnvis")
    model.ir_version = 8  # readable by older runtimes too
    onnx.checker.check_model(model)
    return model
