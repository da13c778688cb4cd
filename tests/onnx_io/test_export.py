"""Our networks written as ONNX run in onnxruntime to the outputs our engine gives, layer by
layer; and an exported file imports back to the same trace."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from app.cli import main
from app.models import load_model
from app.nn.architecture import COLOUR32
from app.nn.network import Network
from app.onnx_io.importer import import_onnx
from app.onnx_io.writer import export_network

from .reference import node_outputs, relative_difference


@pytest.mark.parametrize("model_id", ["mnist", "fashion"])
def test_shipped_model_exported_gives_our_probabilities_in_onnxruntime(model_id, tmp_path):
    out = tmp_path / "m.onnx"
    assert main(["export", "--model", model_id, "--out", str(out)]) == 0
    model = load_model(model_id)
    x = np.random.default_rng(1).uniform(0, 1, (4, 1, 28, 28)).astype(np.float32)
    theirs = node_outputs(onnx.load(str(out)), x)["softmax"]
    ours = model.network.forward(x)
    assert np.abs(ours - theirs).max() <= 1e-5
    assert (ours.argmax(1) == theirs.argmax(1)).all()


def _colour_network():
    network = Network.initialise(COLOUR32, seed=3)
    rng = np.random.default_rng(4)
    for key in network.params:  # running statistics that are not the identity, so batch norm shows
        if key.endswith("running_mean"):
            network.params[key] = rng.normal(0, 0.3, network.params[key].shape).astype(np.float32)
        if key.endswith("running_var"):
            network.params[key] = rng.uniform(0.5, 2, network.params[key].shape).astype(np.float32)
    return network


def test_colour_network_exported_matches_every_layer_in_onnxruntime():
    network = _colour_network()
    x = np.random.default_rng(2).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    reference = node_outputs(export_network(network), x[None])
    for trace in network.trace(x):
        theirs = reference[trace.name][0]
        assert relative_difference(trace.output, theirs.reshape(trace.output.shape)) <= 1e-5, trace.name


def test_exported_file_imports_back_to_the_same_trace():
    network = _colour_network()
    x = np.random.default_rng(3).uniform(0, 1, (3, 32, 32)).astype(np.float32)
    back, metadata = import_onnx(export_network(network).SerializeToString())
    assert metadata["added_layers"] == []
    assert [s.kind for s in back.architecture.layers] == [s.kind for s in network.architecture.layers]
    assert np.allclose(back.architecture.layers[0].mean, network.architecture.layers[0].mean)  # Sub, Div read back
    for ours, theirs in zip(back.trace(x), network.trace(x)):
        assert relative_difference(ours.output, theirs.output) <= 1e-6, ours.name


def test_exported_lenet_without_normalisation_imports_to_the_same_probabilities():
    model = load_model("mnist")
    x = np.random.default_rng(5).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    back, _ = import_onnx(export_network(model.network).SerializeToString())
    # a fused activation comes back as a layer of its own, as the file writes it
    assert [s.source for s in back.architecture.layers] == [
        "conv1", "conv1/relu", "pool1", "conv2", "conv2/relu", "pool2", "flatten", "fc1", "fc1/relu", "fc2",
        "fc2/relu", "fc3", "softmax"]
    assert np.abs(back.forward(x[None]) - model.network.forward(x[None])).max() <= 1e-6


def test_dilation_padding_counted_in_the_average_and_leaky_slopes_reach_onnxruntime():
    """A network of the options the writer must spell out (a dilated, padded conv with a fused
    leaky ReLU, an average pool whose padded cells count, a leaky ReLU layer of its own slope),
    layer by layer against onnxruntime."""
    from app.nn.architecture import Architecture, LayerSpec

    arch = Architecture("options", (1, 12, 12), (
        LayerSpec("conv1", "conv", channels=3, kernel=3, padding=2, dilation=2, activation="leaky_relu", slope=0.2),
        LayerSpec("avg", "avgpool", kernel=3, stride=2, padding=1),
        LayerSpec("leaky", "leaky_relu", slope=0.3),
        LayerSpec("flatten", "flatten"),
        LayerSpec("fc", "dense", channels=4),
        LayerSpec("softmax", "softmax"),
    ), class_names=("a", "b", "c", "d"))
    network = Network.initialise(arch, seed=5)
    x = np.random.default_rng(6).uniform(0, 1, (1, 12, 12)).astype(np.float32)
    reference = node_outputs(export_network(network), x[None])
    for spec, trace in zip(arch.layers, network.trace(x)):
        node = f"{spec.name}/{spec.activation}" if spec.activation else spec.name
        theirs = reference[node][0]
        assert relative_difference(trace.output, theirs.reshape(trace.output.shape)) <= 1e-5, trace.name
