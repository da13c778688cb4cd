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


# -- the reader's other refusals: each a graph an exporter could write, refused with its reason --
def _chain_model(input_shape=(1, 8, 8), inputs=None, outputs=None, nodes=(), inits=()):
    """A graph from its parts, for the shapes GraphBuilder does not write (two inputs, 5-D)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *input_shape])
    graph = helper.make_graph(list(nodes), "test", inputs or [x],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs or ["y"]],
                              initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_an_initializer_claiming_more_than_64_million_values_is_refused_by_its_size():
    g = _conv_start()
    model = g.model()
    huge = model.graph.initializer.add()  # dims only: 100 million floats claimed, none stored
    huge.name, huge.data_type = "huge", TensorProto.FLOAT
    huge.dims.extend([10_000, 10_000])
    assert "huge: [10000, 10000] is too large a tensor" in _refused(model)


def test_a_graph_with_two_picture_inputs_is_refused():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 1, 8, 8])
    model = _chain_model(inputs=[x, z], nodes=[helper.make_node("Relu", ["x"], ["y"], name="r")])
    assert "the graph has 2 data inputs" in _refused(model)


@pytest.mark.parametrize("shape", [(1, 8, 8, 2), (8, 8), ("H", 8, 8), (1, 0, 8)])
def test_an_input_that_is_not_a_batch_of_fixed_size_pictures_is_refused(shape):
    model = _chain_model(shape, nodes=[helper.make_node("Relu", ["x"], ["y"], name="r")])
    assert "is not a batch of pictures (N, C, H, W) of fixed size" in _refused(model)


def test_a_transpose_after_the_input_other_than_nhwc_to_nchw_is_refused():
    g = GraphBuilder((8, 8, 1))
    g.op("Transpose", name="turn", perm=[0, 3, 2, 1])
    g.op("Relu", name="r")
    assert _refused(g.model()).startswith("node turn (Transpose): only the transpose from (N, H, W, C)")


def test_an_nhwc_input_that_is_not_square_keeps_its_height_and_width():
    from app.onnx_io.reader import load_chain

    g = GraphBuilder((6, 10, 1))  # (H, W, C) = 6 rows of 10
    g.op("Transpose", name="to_nchw", perm=[0, 3, 1, 2])
    g.conv(1, 2, 3, name="c")
    chain = load_chain(g.model().SerializeToString())
    assert chain.input_shape == (1, 6, 10) and chain.shape == (2, 4, 8)


@pytest.mark.parametrize("shape, allowed", [((2, 8, 8), False), ((1, 1025, 4), False), ((1, 1024, 4), True),
                                            ((3, 4, 1024), True)])
def test_inputs_of_one_or_three_channels_up_to_1024_pixels_a_side_are_read(shape, allowed):
    from app.onnx_io.reader import load_chain

    g = GraphBuilder(shape)
    g.op("Relu", name="r")
    if allowed:
        assert load_chain(g.model().SerializeToString()).input_shape == shape
    else:
        message = _refused(g.model())
        assert message.startswith("input x:") and "1 or 3 channels of at most 1024 pixels a side" in message


def test_a_graph_whose_output_is_not_the_end_of_the_chain_is_refused():
    g = _conv_start()
    stem = g.x
    g.op("Relu", name="r")
    model = _chain_model(nodes=g.nodes, inits=g.inits, outputs=[stem])
    assert _refused(model).startswith(f"the graph's output {stem} is not the end of the chain")


def test_a_graph_of_no_layers_is_refused():
    g = GraphBuilder((1, 8, 8))
    g.op("Identity", name="same")
    assert _refused(g.model()) == "the graph has no layers"


def test_an_input_that_no_node_makes_is_refused_not_taken_for_a_default():
    g = _conv_start()
    g.op("Dropout", "nowhere", name="drop")  # the ratio input comes from nothing
    assert _refused(g.model()) == "node drop (Dropout): input nowhere is neither the data nor a constant"


def test_an_operation_on_constants_that_is_not_shape_arithmetic_is_refused():
    g = _conv_start()
    g.nodes.append(helper.make_node("Relu", [g.const(g.rand(4, 1, 3, 3))], ["w2"], name="weights"))
    assert "node weights (Relu): an operation on constants that is not shape arithmetic" in _refused(g.model())


def test_arithmetic_on_constants_of_more_than_64_values_is_refused():
    g = _conv_start()
    scale = g.const(np.full((4, 4, 3, 3), 2, np.float32))  # 144 values: weights, not a shape
    g.nodes.append(helper.make_node("Mul", [g.const(g.rand(4, 4, 3, 3)), scale], ["w2"], name="scaled"))
    g.op("Conv", "w2", name="c2", pads=[1, 1, 1, 1])
    assert "node scaled (Mul): cannot be computed from its constants (shape arithmetic on a tensor this large" \
        in _refused(g.model())


def test_conv_weights_for_another_number_of_channels_are_refused():
    g = _conv_start()  # 4 maps
    g.conv(3, 2, 3, name="wrong")
    assert _refused(g.model()) == "node wrong (Conv): its weights expect 3 channels, its input has 4"


@pytest.mark.parametrize("attrs, words", [
    ({"dilations": [2, 2]}, "pooling with dilations is not supported"),
    ({"storage_order": 1}, "storage_order 1 is not supported"),
    ({"pads": [2, 2, 2, 2]}, "padding 2 is more than half the kernel 3"),
])
def test_pooling_our_layers_cannot_do_is_refused(attrs, words):
    g = _conv_start()
    g.op("MaxPool", name="pool", kernel_shape=[3, 3], **attrs)
    assert _refused(g.model()) == f"node pool (MaxPool): {words}"


def test_a_mean_over_other_axes_than_height_and_width_is_refused():
    g = _conv_start()
    g.op("ReduceMean", name="mean", axes=[1, 2])
    assert _refused(g.model()).startswith("node mean (ReduceMean): a mean over axes [1, 2]")


def test_batch_norm_with_constants_of_another_size_or_its_training_outputs_is_refused():
    g = _conv_start()  # 4 maps
    g.batchnorm(3, name="bn")
    assert _refused(g.model()) == "node bn (BatchNormalization): its scale, bias, mean and variance must be constants of 4 values"
    g = _conv_start()
    g.batchnorm(4, name="bn")
    g.nodes[-1].output.extend(["running_mean", "running_var"])  # as a training-mode export writes it
    assert "batch norm in training mode is not supported" in _refused(g.model())


@pytest.mark.parametrize("op, extra, attrs, words", [
    ("Flatten", (), {"axis": 2}, "flatten from axis 2; only axis 1"),
    ("Squeeze", (), {}, "squeeze is only supported after global average pooling"),
])
def test_flattening_other_than_per_picture_is_refused(op, extra, attrs, words):
    g = _conv_start()
    g.op(op, *extra, name="f", **attrs)
    assert words in _refused(g.model())


def test_a_reshape_to_a_vector_of_another_length_is_refused():
    g = _conv_start()  # 4 x 8 x 8 = 256 values
    g.op("Reshape", g.const(np.array([1, 128], np.int64)), name="half")
    assert "reshape to [1, 128] from [4, 8, 8]; only flattening to (N, 256)" in _refused(g.model())


def test_gemm_with_its_data_transposed_is_refused():
    g = _conv_start()
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.op("Gemm", g.const(g.rand(4, 3)), name="head", transA=1)
    assert _refused(g.model()) == "node head (Gemm): transA 1 is not supported"


def test_an_addition_that_is_not_the_bias_right_after_a_matmul_is_refused():
    g = _conv_start()
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.op("MatMul", g.const(g.rand(4, 3)), name="mm")
    g.op("Relu", name="relu")
    g.op("Add", g.const(g.rand(3)), name="late")
    assert _refused(g.model()).startswith("node late (Add): an addition that is not the bias of a MatMul")


def test_softmax_over_the_batch_is_refused():
    g = _conv_start()
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.op("Softmax", name="sm", axis=0)
    assert _refused(g.model()) == "node sm (Softmax): softmax over axis 0 is not supported"


def test_a_subtraction_after_the_first_layer_or_of_the_wrong_size_is_refused():
    g = _conv_start()
    g.op("Sub", g.const(np.full((1, 4, 1, 1), 0.5, np.float32)), name="late")
    assert _refused(g.model()).startswith("node late (Sub): a subtraction is only supported as the first step")
    g = GraphBuilder((3, 8, 8))
    g.op("Sub", g.const(np.array([0.5, 0.5], np.float32).reshape(1, 2, 1, 1)), name="centre")
    g.conv(3, 2, 3, name="c")
    assert "the subtracted mean of the input must be a constant per channel (3 values)" in _refused(g.model())


def test_a_network_too_large_to_trace_is_refused_before_it_runs():
    g = GraphBuilder((3, 1024, 1024))  # a 5x5 conv unfolds 78 million values for one picture
    g.conv(3, 1, 5, name="big", pads=[2, 2, 2, 2])
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(1, 2, name="head")
    assert "layer conv1 (big) is too large to trace here" in _refused(g.model())
    g = GraphBuilder((1, 1024, 1024))  # 4 maps of a million values: over the 4 million a trace shows
    g.conv(1, 4, 1, name="wide")
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(4, 2, name="head")
    assert "can be traced" in _refused(g.model())


def test_a_mean_and_std_for_a_graph_that_normalises_itself_are_refused():
    g = GraphBuilder((1, 8, 8))
    g.op("Sub", g.const(np.array([[[[0.5]]]], np.float32)), name="centre")
    g.op("Div", g.const(np.array([[[[0.25]]]], np.float32)), name="scale")
    g.conv(1, 4, 3, name="stem", pads=[1, 1, 1, 1])
    with pytest.raises(OnnxImportError, match="the graph normalises its input itself"):
        import_onnx(g.model().SerializeToString(), mean=[0.1], std=[0.2])


@pytest.mark.parametrize("std", [0.0, -1.0])
def test_a_std_given_for_the_import_must_be_more_than_zero(std):
    with pytest.raises(OnnxImportError, match="--std values must be more than 0"):
        import_onnx(_conv_start().model().SerializeToString(), std=[std])
