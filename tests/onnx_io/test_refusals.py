"""Graphs the chain cannot show, and files that are not graphs, stop with one line naming
the node and the operation (exit status 2 from the CLI), never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from app.cli import main
from app.onnx_io import OnnxImportError
from app.onnx_io.importer import import_onnx

from .graphs import GraphBuilder


def _conv_start():
    g = GraphBuilder((1, 8, 8))
    g.conv(1, 4, 3, name="stem", pads=[1, 1, 1, 1])
    return g


def _refused(model) -> str:
    with pytest.raises(OnnxImportError) as err:
        import_onnx(model.SerializeToString())
    message = str(err.value)
    assert "\n" not in message
    return message


def test_residual_add_is_refused_naming_the_node():
    g = _conv_start()
    skip = g.x
    g.op("Relu", name="block.relu")
    g.op("Add", skip, name="block.add")
    assert _refused(g.model()).startswith("node block.add (Add): joins two tensors")


def test_concat_of_two_branches_is_refused_naming_the_node():
    g = _conv_start()
    trunk = g.x
    left = g.op("Relu", name="left")
    g.x = trunk
    g.op("Sigmoid", name="right")
    g.op("Concat", left, name="join", axis=1)
    message = _refused(g.model())
    assert message.startswith("node right (Sigmoid)") and "branch" in message  # the second reader of trunk


def test_external_weights_are_refused():
    g = _conv_start()
    model = g.model()
    tensor = model.graph.initializer[0]
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    assert "external file" in _refused(model)


@pytest.mark.parametrize("attrs, words", [
    ({"ceil_mode": 1}, "ceil_mode 1"),
    ({"pads": [0, 0, 1, 1]}, "asymmetric"),
    ({"strides": [1, 2]}, "strides [1, 2]"),
    ({"auto_pad": "SAME_UPPER", "strides": [2, 2]}, "auto_pad SAME_UPPER"),
])
def test_unsupported_pool_attribute_is_refused_naming_the_node(attrs, words):
    g = _conv_start()
    g.op("MaxPool", name="pool", kernel_shape=[2, 2], **{"strides": [2, 2], **attrs})
    message = _refused(g.model())
    assert message.startswith("node pool (MaxPool)") and words in message


def test_average_pool_that_excludes_padding_is_refused():
    g = _conv_start()
    g.op("AveragePool", name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1])  # count_include_pad defaults to 0
    assert "count_include_pad" in _refused(g.model())


def test_grouped_convolution_is_refused():
    g = GraphBuilder((3, 8, 8))
    g.op("Conv", g.const(g.rand(3, 1, 3, 3)), name="depthwise", group=3)
    assert _refused(g.model()).startswith("node depthwise (Conv): group 3")


def test_unsupported_operation_is_refused_naming_it():
    g = _conv_start()
    g.op("Elu", name="")
    assert _refused(g.model()).startswith("node Elu_1 (Elu): this operation is not supported")


@pytest.mark.parametrize("data", [b"", b"\x00" * 10, b"\x0a\xff\xff\xff\xff\x0f" + b"x" * 20, b"PK\x03\x04junk"])
def test_bytes_that_are_not_onnx_are_refused(data):
    with pytest.raises(OnnxImportError, match="not an ONNX"):
        import_onnx(data)


def test_cli_import_prints_one_line_and_exits_2(tmp_path, capsys):
    g = _conv_start()
    g.op("Add", g.x, name="double")
    path = tmp_path / "bad.onnx"
    path.write_bytes(g.model().SerializeToString())
    assert main(["import", str(path), "--out", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "node double (Add)" in err
    assert not (tmp_path / "m.npz").exists()


def test_cli_import_writes_a_weights_file_the_server_loads(tmp_path):
    from app.models import load_model

    g = _conv_start()
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(4, 3, name="head")
    path = tmp_path / "ok.onnx"
    path.write_bytes(g.model().SerializeToString())
    out = tmp_path / "m.npz"
    assert main(["import", str(path), "--out", str(out), "--name", "Tiny", "--classes", "a,b,c",
                 "--preparation", "box"]) == 0
    model = load_model(str(out))
    assert model.architecture.class_names == ("a", "b", "c")
    assert model.metadata["name"] == "Tiny" and model.preparation.centre == "box"
    x = np.zeros((1, 1, 8, 8), np.float32)
    assert model.network.forward(x).shape == (1, 3)


@pytest.mark.parametrize("std", [0.0, -0.5])
def test_normalisation_dividing_by_zero_or_less_is_refused(std):
    g = GraphBuilder((1, 8, 8))
    g.op("Sub", g.const(np.array([[[[0.5]]]], np.float32)), name="centre")
    g.op("Div", g.const(np.array([[[[std]]]], np.float32)), name="scale")
    g.conv(1, 4, 3, name="stem", pads=[1, 1, 1, 1])
    assert "positive" in _refused(g.model())
