"""Small ONNX graphs written node by node with onnx.helper, as exporters write them, with
seeded random weights; onnxruntime is the independent reference they are checked against."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class GraphBuilder:
    def __init__(self, input_shape, seed=0, opset=13):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.opset = [], [], opset
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *input_shape])
        self.x, self.count = "x", 0

    def const(self, value, name=None) -> str:
        self.count += 1
        name = name or f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def rand(self, *shape, scale=0.3):
        return self.rng.normal(0, scale, shape).astype(np.float32)

    def op(self, op, *extra_inputs, name=None, data=True, out=None, **attrs) -> str:
        self.count += 1
        out = out or f"t{self.count}"
        inputs = ([self.x] if data else []) + list(extra_inputs)
        self.nodes.append(helper.make_node(op, inputs, [out], name=name if name is not None else f"n{self.count}",
                                           **attrs))
        if data:
            self.x = out
        return out

    def conv(self, c_in, f, k, name=None, **attrs):
        w, b = self.const(self.rand(f, c_in, k, k)), self.const(self.rand(f, scale=0.1))
        return self.op("Conv", w, b, name=name, **attrs)

    def batchnorm(self, c, name=None):
        vals = [self.rng.uniform(0.5, 1.5, c), self.rng.normal(0, 0.2, c), self.rng.normal(0, 0.3, c),
                self.rng.uniform(0.3, 2.0, c)]
        return self.op("BatchNormalization", *[self.const(v.astype(np.float32)) for v in vals], name=name,
                       epsilon=1e-3, momentum=0.9)

    def gemm(self, d_in, d_out, name=None):
        return self.op("Gemm", self.const(self.rand(d_out, d_in)), self.const(self.rand(d_out, scale=0.1)),
                       name=name, transB=1)

    def model(self, every_node=False) -> onnx.ModelProto:
        outputs = [self.x]
        if every_node:
            outputs = [n.output[0] for n in self.nodes if n.output[0] not in outputs] + outputs
            outputs = list(dict.fromkeys(outputs))
        graph = helper.make_graph(self.nodes, "test", [self.input],
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
                                  initializer=self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        model.ir_version = 8
        return model


def colour_net(seed=0) -> GraphBuilder:
    """A colour 32x32 network with batch norm, dropout and global average pooling, no softmax."""
    g = GraphBuilder((3, 32, 32), seed)
    g.conv(3, 8, 3, name="features.0", pads=[1, 1, 1, 1])
    g.batchnorm(8, name="features.1")
    g.op("Relu", name="features.2")
    g.op("MaxPool", name="features.3", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    g.conv(8, 16, 3, name="features.4", pads=[2, 2, 2, 2], dilations=[2, 2])
    g.batchnorm(16, name="features.5")
    g.op("LeakyRelu", name="features.6", alpha=0.1)
    g.op("Dropout", g.const(np.array(0.25, np.float32)), name="drop")
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat", axis=1)
    g.gemm(16, 10, name="classifier")
    return g


def tanh_net(seed=1) -> GraphBuilder:
    """Tanh and average pooling (one padded), the shape arithmetic of a view(x.size(0), -1),
    MatMul + Add, sigmoid, and a LogSoftmax at the end; some nodes unnamed."""
    g = GraphBuilder((1, 28, 28), seed)
    g.conv(1, 6, 5, name="")
    g.op("Tanh", name="")
    g.op("AveragePool", name="pool1", kernel_shape=[2, 2], strides=[2, 2])
    g.conv(6, 16, 5, name="conv2", strides=[1, 1])
    g.op("Tanh", name="act2")
    g.op("AveragePool", name="pool2", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    g.nodes.append(helper.make_node("Shape", [g.x], ["shape_out"], name="shape"))
    g.nodes.append(helper.make_node("Constant", [], ["zero"], name="const0",
                                    value=numpy_helper.from_array(np.array(0, np.int64))))
    g.nodes.append(helper.make_node("Gather", ["shape_out", "zero"], ["batch"], name="gather", axis=0))
    g.nodes.append(helper.make_node("Unsqueeze", ["batch", g.const(np.array([0], np.int64))], ["batch1"],
                                    name="unsq"))
    g.nodes.append(helper.make_node("Concat", ["batch1", g.const(np.array([-1], np.int64))], ["target"],
                                    name="concat", axis=0))
    g.op("Reshape", "target", name="view")
    g.op("MatMul", g.const(g.rand(16 * 4 * 4, 32, scale=0.1)), name="fc1.matmul")
    g.op("Add", g.const(g.rand(32, scale=0.1)), name="fc1.add")
    g.op("Sigmoid", name="sig")
    g.gemm(32, 10, name="fc2")
    g.op("LogSoftmax", name="logsoftmax", axis=1)
    return g


def lenet_nhwc(seed=2) -> GraphBuilder:
    """LeNet-5 as an NHWC framework writes it: a Transpose at the input, Identity and Constant
    around the weights, ReduceMean is not used here but Softmax ends it."""
    g = GraphBuilder((28, 28, 1), seed)
    g.op("Transpose", name="to_nchw", perm=[0, 3, 1, 2])
    w = g.rand(6, 1, 5, 5)
    g.nodes.append(helper.make_node("Constant", [], ["w1c"], name="w1const", value=numpy_helper.from_array(w)))
    g.nodes.append(helper.make_node("Identity", ["w1c"], ["w1"], name="w1id"))
    g.op("Conv", "w1", g.const(g.rand(6, scale=0.1)), name="conv1", pads=[2, 2, 2, 2])
    g.op("Relu", name="relu1")
    g.op("MaxPool", name="pool1", kernel_shape=[2, 2], strides=[2, 2])
    g.conv(6, 16, 5, name="conv2")
    g.op("Relu", name="relu2")
    g.op("MaxPool", name="pool2", kernel_shape=[2, 2], strides=[2, 2])
    g.op("Flatten", name="flatten")
    g.gemm(400, 120, name="fc1")
    g.op("Relu", name="relu3")
    g.gemm(120, 84, name="fc2")
    g.op("Relu", name="relu4")
    g.op("Identity", name="same")
    g.gemm(84, 10, name="fc3")
    g.op("Softmax", name="prob", axis=1)
    return g
