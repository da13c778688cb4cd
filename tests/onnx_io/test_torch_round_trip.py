"""Networks built in PyTorch, exported to ONNX by PyTorch's own exporter, imported and traced:
every layer equals onnxruntime's output of the node it came from, and the probabilities equal
PyTorch's forward pass, within the 1e-5 relative target (largest absolute difference over the
largest absolute value). PyTorch and onnxruntime are test-only references; the weights are
seeded random ones, and batch norm's running statistics come from a few seeded batches.

The exporter used is the TorchScript one (``dynamo=False``), the one that keeps batch norm as a
node of its own in eval mode when told to (see the parametrisation below); a test at the end
reads a graph in the form the default (dynamo) exporter writes with ``optimize=False``."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from torch import nn
from onnx import helper, numpy_helper
from torch.nn import functional as F

from app.onnx_io.importer import import_onnx

from .graphs import GraphBuilder
from .reference import node_outputs, relative_difference

TOLERANCE = 1e-5


def export(module: nn.Module, shape, **options) -> bytes:
    """The module in eval mode as PyTorch's TorchScript exporter writes it (batch norm kept)."""
    module.eval()
    options = {"do_constant_folding": False, **options}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter warns that it is the older of two
        torch.onnx.export(module, (torch.zeros(1, *shape),), buffer, dynamo=False, input_names=["image"],
                          **options)
    return buffer.getvalue()


def seeded(module: nn.Module, shape, seed: int) -> nn.Module:
    """Seeded weights; batch norm gets a random scale and shift and running statistics from a
    few random batches, so that it is far from the identity and shows in the comparison."""
    torch.manual_seed(seed)
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            layer.reset_parameters()
        if isinstance(layer, nn.BatchNorm2d):
            nn.init.uniform_(layer.weight, 0.5, 1.5)
            nn.init.normal_(layer.bias, 0, 0.2)
    module.train()
    with torch.no_grad():
        for _ in range(3):
            module(torch.rand(8, *shape) * 2 - 0.5)
    return module.eval()


def check_every_layer(data: bytes, x: np.ndarray, log_output=()) -> tuple:
    """Import, trace x (C, H, W) and compare each layer with onnxruntime's output of its source
    node; returns the network and the sources compared, in order."""
    network, metadata = import_onnx(data)
    reference = node_outputs(onnx.load_from_string(data), x[None])
    compared = []
    for spec, trace in zip(network.architecture.layers, network.trace(x)):
        if spec.name in metadata["added_layers"]:
            continue
        theirs = reference[spec.source][0]
        if spec.source in log_output:
            theirs = np.exp(theirs)  # the trace shows the probabilities a LogSoftmax is the logarithm of
        difference = relative_difference(trace.output, theirs.reshape(trace.output.shape))
        assert difference <= TOLERANCE, f"{spec.name} ({spec.source}): {difference:.2e}"
        compared.append(spec.source)
    return network, metadata, compared


def torch_probabilities(module: nn.Module, x: np.ndarray, log: bool = False) -> np.ndarray:
    with torch.no_grad():
        out = module(torch.from_numpy(x[None]))[0]
    return (out.exp() if log else F.softmax(out, dim=0)).numpy()


class ColourNet(nn.Module):
    """3x32x32: conv, batch norm, relu, max pool twice, dropout, global average pooling."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=2, dilation=2), nn.BatchNorm2d(16), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
            nn.Dropout(0.25))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(16, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


class TanhNet(nn.Module):
    """LeNet-1998 style: tanh, average pooling (the second one padded), view(x.size(0), -1)
    and a final log_softmax."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.pool1, self.pool2 = nn.AvgPool2d(2), nn.AvgPool2d(3, stride=2, padding=1)
        self.fc1, self.fc2 = nn.Linear(16 * 5 * 5, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(torch.tanh(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc2(torch.tanh(self.fc1(x))), dim=1)


def lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10), nn.Softmax(dim=1))


@pytest.mark.parametrize("keep_batchnorm", [{"do_constant_folding": False},
                                            {"do_constant_folding": True,
                                             "training": torch.onnx.TrainingMode.PRESERVE}],
                         ids=["constant-folding-off", "training-preserve"])
def test_torch_colour_net_with_batchnorm_dropout_and_gap_matches_onnxruntime_and_torch(keep_batchnorm):
    module = seeded(ColourNet(), (3, 32, 32), seed=0)
    x = np.random.default_rng(10).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    network, metadata, compared = check_every_layer(export(module, (3, 32, 32), **keep_batchnorm), x)
    kinds = [s.kind for s in network.architecture.layers]
    # batch norm stays a layer; the eval-mode exporter writes no node for dropout (it is the identity)
    assert kinds == ["conv", "batchnorm", "relu", "maxpool", "conv", "batchnorm", "leaky_relu", "maxpool",
                     "globalavgpool", "dense", "softmax"]
    assert compared == ["/features/features.0/Conv", "/features/features.1/BatchNormalization",
                        "/features/features.2/Relu", "/features/features.3/MaxPool", "/features/features.4/Conv",
                        "/features/features.5/BatchNormalization", "/features/features.6/LeakyRelu",
                        "/features/features.7/MaxPool", "/pool/GlobalAveragePool", "/classifier/Gemm"]
    assert metadata["added_layers"] == ["softmax"] and metadata["preparation"]["kind"] == "photo"
    bn = network.params["bn1.running_var"]
    assert np.abs(bn - module.features[1].running_var.numpy()).max() <= 1e-7 and np.abs(bn - 1).max() > 0.05
    assert network.architecture.layers[4].dilation == 2
    probabilities = network.trace(x)[-1].output
    assert relative_difference(probabilities, torch_probabilities(module, x)) <= TOLERANCE


def test_torch_tanh_net_with_average_pooling_and_view_matches_onnxruntime_and_torch():
    module = seeded(TanhNet(), (1, 28, 28), seed=1)
    x = np.random.default_rng(11).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    # a batch axis of any size: view(x.size(0), -1) then reads the shape of the data at run time
    data = export(module, (1, 28, 28), dynamic_axes={"image": {0: "batch"}})
    network, metadata, compared = check_every_layer(data, x, log_output=("/LogSoftmax",))
    specs = network.architecture.layers
    assert [s.kind for s in specs] == ["conv", "tanh", "avgpool", "conv", "tanh", "avgpool", "flatten", "dense",
                                       "tanh", "dense", "softmax"]
    assert (specs[5].kernel, specs[5].stride, specs[5].padding) == (3, 2, 1)
    assert specs[6].source == "/Reshape" and compared[-1] == "/LogSoftmax"
    assert metadata["added_layers"] == []
    probabilities = network.trace(x)[-1].output
    assert relative_difference(probabilities, torch_probabilities(module, x, log=True)) <= TOLERANCE


def test_torch_lenet_matches_onnxruntime_and_torch():
    module = seeded(lenet(), (1, 28, 28), seed=2)
    x = np.random.default_rng(12).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    network, metadata, compared = check_every_layer(export(module, (1, 28, 28)), x)
    assert [s.kind for s in network.architecture.layers] == [
        "conv", "relu", "maxpool", "conv", "relu", "maxpool", "flatten", "dense", "relu", "dense", "relu", "dense",
        "softmax"]
    assert len(compared) == 13 and metadata["added_layers"] == []  # its own softmax ends it
    with torch.no_grad():
        theirs = module(torch.from_numpy(x[None]))[0].numpy()
    assert relative_difference(network.trace(x)[-1].output, theirs) <= TOLERANCE


def test_graph_in_the_form_of_the_dynamo_exporter_without_optimisation_matches_onnxruntime():
    """torch.onnx.export(..., dynamo=True, optimize=False) keeps batch norm, and writes the axes
    of its global mean as a Constant reshaped by a Reshape node: constant arithmetic to fold."""
    g = GraphBuilder((3, 8, 8), seed=4)
    g.conv(3, 4, 3, name="node_conv2d", pads=[1, 1, 1, 1])
    g.batchnorm(4, name="node__native_batch_norm_legit_no_training__0")
    g.op("Relu", name="node_relu")
    g.op("Identity", name="node_clone")  # dropout in eval mode
    g.nodes.append(helper.make_node("Constant", [], ["axes0"], name="node_Constant_8",
                                    value=numpy_helper.from_array(np.array([-1, -2], np.int64))))
    g.nodes.append(helper.make_node("Constant", [], ["flat"], name="node_Constant_9",
                                    value=numpy_helper.from_array(np.array([-1], np.int64))))
    g.nodes.append(helper.make_node("Reshape", ["axes0", "flat"], ["axes"], name="node_Reshape_10"))
    g.op("ReduceMean", "axes", name="node_mean", keepdims=1)
    g.op("Reshape", g.const(np.array([1, 4], np.int64)), name="node_view")
    g.gemm(4, 3, name="node_linear")
    model = g.model()
    model.opset_import[0].version = 18  # ReduceMean's axes are an input from opset 18
    x = np.random.default_rng(13).uniform(0, 1, (3, 8, 8)).astype(np.float32)
    network, _, compared = check_every_layer(model.SerializeToString(), x)
    assert [s.kind for s in network.architecture.layers] == ["conv", "batchnorm", "relu", "globalavgpool", "dense",
                                                             "softmax"]
    assert compared == ["node_conv2d", "node__native_batch_norm_legit_no_training__0", "node_relu", "node_mean",
                        "node_linear"]
