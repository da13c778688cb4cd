"""What PyTorch's exporter writes for networks the chain cannot show, or for a network exported
in training mode, stops the import with one line naming the node and the operation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from app.onnx_io import OnnxImportError
from app.onnx_io.importer import import_onnx

from .graphs import GraphBuilder
from .test_torch_round_trip import export


def _refused(data: bytes) -> str:
    with pytest.raises(OnnxImportError) as err:
        import_onnx(data)
    message = str(err.value)
    assert "\n" not in message
    return message


class ResidualBlock(nn.Module):
    """conv, then conv added to its own input: the join a ResNet block makes."""

    def __init__(self):
        super().__init__()
        self.stem, self.body = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.body(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def test_torch_residual_add_is_refused_naming_the_add_node():
    torch.manual_seed(0)
    message = _refused(export(ResidualBlock(), (1, 8, 8)))
    assert message.startswith("node /Add (Add): joins two tensors"), message


def test_torch_network_exported_in_training_mode_is_refused_at_its_batch_norm():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5), nn.Flatten(),
                           nn.Linear(4 * 6 * 6, 3))
    message = _refused(export(module, (1, 8, 8), training=torch.onnx.TrainingMode.TRAINING))
    assert message.startswith("node /1/BatchNormalization (BatchNormalization): batch norm in training mode"), message
    assert "eval mode" in message


@pytest.mark.parametrize("training, refused", [(True, True), (False, False)])
def test_dropout_whose_training_mode_input_is_true_is_refused(training, refused):
    """A Dropout node with training_mode true drops units at random in any runtime; the layer
    here is the identity when a picture is traced, so it would not match: refused, not ignored."""
    g = GraphBuilder((1, 8, 8))
    g.conv(1, 4, 3, name="stem", pads=[1, 1, 1, 1])
    g.op("Dropout", g.const(np.array(0.5, np.float32)), g.const(np.array(training)), name="/3/Dropout")
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(4, 3, name="head")
    data = g.model().SerializeToString()
    if refused:
        assert _refused(data).startswith("node /3/Dropout (Dropout): dropout in training mode")
    else:
        network, _ = import_onnx(data)
        assert [s.kind for s in network.architecture.layers][:2] == ["conv", "dropout"]
