"""Imported graphs traced by our engine equal onnxruntime's output of the node each layer
came from, layer by layer, within the 1e-5 relative target."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from app.onnx_io.importer import import_onnx

from .graphs import colour_net, lenet_nhwc, tanh_net
from .reference import node_outputs, relative_difference


def _check_layers(builder, x_ours, x_theirs, log_softmax=()):
    model = builder.model()
    network, metadata = import_onnx(model.SerializeToString())
    reference = node_outputs(model, x_theirs[None])
    traces = network.trace(x_ours)
    compared = []
    for spec, trace in zip(network.architecture.layers, traces):
        if spec.name in metadata["added_layers"]:
            continue
        theirs = reference[spec.source][0]
        if spec.source in log_softmax:
            theirs = np.exp(theirs)  # we show the probabilities a LogSoftmax gives the logarithm of
        assert relative_difference(trace.output, theirs.reshape(trace.output.shape)) <= 1e-5, spec.name
        compared.append(spec.source)
    return network, metadata, compared


def test_colour_net_with_batchnorm_dropout_and_gap_matches_onnxruntime_layer_by_layer():
    x = np.random.default_rng(5).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    network, metadata, compared = _check_layers(colour_net(), x, x)
    kinds = [s.kind for s in network.architecture.layers]
    assert kinds == ["conv", "batchnorm", "relu", "maxpool", "conv", "batchnorm", "leaky_relu", "dropout",
                     "globalavgpool", "dense", "softmax"]
    assert metadata["added_layers"] == ["softmax"]  # the graph ends with the classifier's scores
    assert compared == ["features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
                        "features.6", "drop", "gap", "classifier"]
    conv2 = network.architecture.layers[4]
    assert (conv2.dilation, conv2.padding) == (2, 2)
    assert metadata["preparation"]["kind"] == "photo"


def test_tanh_net_with_average_pooling_reshape_arithmetic_and_logsoftmax_matches_onnxruntime():
    x = np.random.default_rng(6).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    network, metadata, compared = _check_layers(tanh_net(), x, x, log_softmax=("logsoftmax",))
    specs = network.architecture.layers
    assert [s.kind for s in specs] == ["conv", "tanh", "avgpool", "conv", "tanh", "avgpool", "flatten", "dense",
                                       "sigmoid", "dense", "softmax"]
    assert specs[0].source == "Conv_0" and specs[1].source == "Tanh_1"  # unnamed nodes: <op>_<index>
    assert specs[7].source == "fc1.add"  # MatMul + Add is one dense layer, whose output is the Add's
    assert metadata["added_layers"] == []


def test_lenet_from_an_nhwc_framework_matches_onnxruntime():
    x = np.random.default_rng(7).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    network, _, compared = _check_layers(lenet_nhwc(), x, x.transpose(1, 2, 0))
    assert network.architecture.input_shape == (1, 28, 28)
    assert "prob" in compared and "conv1" in compared


def test_mean_and_std_become_a_normalize_layer_in_front():
    model = colour_net().model()
    x = np.random.default_rng(8).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    network, metadata = import_onnx(model.SerializeToString(), mean=mean, std=std)
    assert network.architecture.layers[0].kind == "normalize"
    normalised = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    theirs = node_outputs(model, normalised[None])["classifier"][0]
    scores = network.trace(x)[-2].output
    assert relative_difference(scores, theirs) <= 1e-5


def test_class_names_must_match_the_outputs():
    from app.onnx_io import OnnxImportError

    with pytest.raises(OnnxImportError, match="3 class names for 10 outputs"):
        import_onnx(colour_net().model().SerializeToString(), classes=["a", "b", "c"])


def test_same_padding_and_a_scaled_gemm_match_onnxruntime():
    """auto_pad SAME_UPPER on a 3x3 kernel pads one pixel a side; Gemm's alpha scales the product
    and beta the bias (the ONNX operator's definition), both checked against onnxruntime."""
    from .graphs import GraphBuilder

    g = GraphBuilder((1, 8, 8), seed=3)
    g.conv(1, 4, 3, name="same", auto_pad="SAME_UPPER")
    g.op("Relu", name="relu")
    g.op("Flatten", name="flat", axis=1)
    g.op("Gemm", g.const(g.rand(5, 4 * 8 * 8)), g.const(g.rand(5, scale=0.5)), name="scaled", transB=1,
         alpha=0.5, beta=2.0)
    x = np.random.default_rng(8).uniform(0, 1, (1, 8, 8)).astype(np.float32)
    network, _, compared = _check_layers(g, x, x)
    assert network.architecture.layers[0].padding == 1
    assert compared == ["same", "relu", "flat", "scaled"]


def test_batch_norm_momentum_keeps_its_meaning_both_ways():
    """ONNX's momentum weighs the old running average (running * m + batch * (1 - m)); our layer's
    weighs the new batch (its docstring). 0.9 in the graph is 0.1 here, and 0.9 again when exported."""
    from app.onnx_io.writer import export_network

    network, _ = import_onnx(colour_net().model().SerializeToString())
    norms = [s for s in network.architecture.layers if s.kind == "batchnorm"]
    assert [s.momentum for s in norms] == [pytest.approx(0.1), pytest.approx(0.1)]
    assert [s.eps for s in norms] == [pytest.approx(1e-3), pytest.approx(1e-3)]
    exported = export_network(network)
    moments = [next(a.f for a in n.attribute if a.name == "momentum")
               for n in exported.graph.node if n.op_type == "BatchNormalization"]
    assert moments == [pytest.approx(0.9), pytest.approx(0.9)]


def test_a_normalisation_in_the_graph_and_a_leaky_relu_of_default_slope_match_onnxruntime():
    """Sub then Div by constants per channel is one normalize layer keeping both the mean and the
    deviation; a LeakyRelu without alpha has ONNX's default slope, 0.01."""
    from .graphs import GraphBuilder

    g = GraphBuilder((3, 8, 8), seed=4)
    g.op("Sub", g.const(np.array([0.5, 0.4, 0.3], np.float32).reshape(1, 3, 1, 1)), name="centre")
    g.op("Div", g.const(np.array([0.2, 0.25, 0.3], np.float32).reshape(1, 3, 1, 1)), name="scale")
    g.conv(3, 4, 3, name="conv", pads=[1, 1, 1, 1])
    g.op("LeakyRelu", name="leaky")
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(4, 3, name="head")
    x = np.random.default_rng(9).uniform(0, 1, (3, 8, 8)).astype(np.float32)
    network, _, compared = _check_layers(g, x, x)
    assert compared[:3] == ["scale", "conv", "leaky"]
    assert network.architecture.layers[2].slope == pytest.approx(0.01)


def test_one_mean_and_std_given_for_a_colour_model_serve_every_channel():
    model = colour_net().model()
    x = np.random.default_rng(10).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    network, _ = import_onnx(model.SerializeToString(), mean=[0.5], std=[0.25])
    theirs = node_outputs(model, ((x - 0.5) / 0.25)[None])["classifier"][0]
    assert relative_difference(network.trace(x)[-2].output, theirs) <= 1e-5


def test_a_strided_dilated_conv_then_a_flatten_by_shape_with_an_end_matches_onnxruntime():
    """The chain's map size after a dilated conv (1 + (10 - 2*(3-1) - 1) // 2 = 3, so 4*3*3 = 36
    values reach the Gemm), and opset 15's Shape with an end: the batch size alone, then -1."""
    from .graphs import GraphBuilder

    g = GraphBuilder((1, 10, 10), seed=11, opset=15)
    g.conv(1, 4, 3, name="dilated", strides=[2, 2], dilations=[2, 2])
    g.nodes.append(helper.make_node("Shape", [g.x], ["batch"], name="shape", end=1))
    g.nodes.append(helper.make_node("Concat", ["batch", g.const(np.array([-1], np.int64))], ["target"], name="cat",
                                    axis=0))
    g.op("Reshape", "target", name="view")
    g.gemm(36, 3, name="head")
    x = np.random.default_rng(12).uniform(0, 1, (1, 10, 10)).astype(np.float32)
    _, _, compared = _check_layers(g, x, x)
    assert compared == ["dilated", "view", "head"]


def test_reshape_folded_from_constants_copies_the_size_where_the_target_says_0():
    """ONNX Reshape: a 0 in the target keeps that axis's size unless allowzero is set."""
    from app.onnx_io.constants import reshape

    data = np.arange(24).reshape(2, 3, 4)
    assert reshape(data, np.array([0, -1])).shape == (2, 12)
    assert reshape(data, np.array([0, 0, -1])).shape == (2, 3, 4)
    assert reshape(data, np.array([4, 0, 2])).shape == (4, 3, 2)
    assert reshape(np.zeros((0, 4)), np.array([0, 4]), allowzero=1).shape == (0, 4)
