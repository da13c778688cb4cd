"""The architecture as data: LeNet-5's shape chain, parameter shapes, validation, and a trace
that holds every layer in order, each recomputed here from the layer below it."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.architecture import CONV, DENSE, LENET5, MAXPOOL, Architecture, LayerSpec, output_shape
from app.nn.network import Network

from . import reference as ref


def test_lenet5_shape_chain_is_the_classic_one():
    # 6x28x28, 6x14x14, 16x10x10, 16x5x5, 400 flattened, 120, 84, 10 logits, 10 probabilities.
    assert LENET5.output_shapes() == [
        (6, 28, 28),
        (6, 14, 14),
        (16, 10, 10),
        (16, 5, 5),
        (400,),
        (120,),
        (84,),
        (10,),
        (10,),
    ]
    assert LENET5.input_shape == (1, 28, 28)
    assert [s.name for s in LENET5.layers] == [
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "flatten",
        "fc1",
        "fc2",
        "fc3",
        "softmax",
    ]
    assert LENET5.n_classes == 10


def test_lenet5_parameter_shapes():
    assert LENET5.param_shapes() == {
        "conv1.w": (6, 1, 5, 5), "conv1.b": (6,),
        "conv2.w": (16, 6, 5, 5), "conv2.b": (16,),
        "fc1.w": (400, 120), "fc1.b": (120,),
        "fc2.w": (120, 84), "fc2.b": (84,),
        "fc3.w": (84, 10), "fc3.b": (10,),
    }  # fmt: skip


@pytest.mark.parametrize(
    "size, kernel, pad, stride, expected",
    [(7, 3, 1, 2, 4), (7, 3, 0, 1, 5), (28, 5, 2, 1, 28), (32, 5, 0, 1, 28), (5, 2, 0, 2, 2), (6, 3, 1, 2, 3)],
)
def test_conv_output_size_follows_w_minus_f_plus_2p_over_s_plus_1(size, kernel, pad, stride, expected):
    spec = LayerSpec("c", CONV, channels=4, kernel=kernel, stride=stride, padding=pad)
    assert output_shape(spec, (3, size, size)) == (4, expected, expected)


def test_architecture_rejects_impossible_chains_and_bad_specs():
    with pytest.raises(ValueError, match="kernel larger"):
        Architecture("big", (1, 4, 4), (LayerSpec("c", CONV, channels=1, kernel=5),))
    with pytest.raises(ValueError, match="flatten"):
        Architecture("noflat", (1, 4, 4), (LayerSpec("d", DENSE, channels=3),))
    with pytest.raises(ValueError, match="unique"):
        Architecture("dup", (1, 8, 8), (LayerSpec("p", MAXPOOL, kernel=2, stride=2),) * 2)
    with pytest.raises(ValueError, match="unknown kind"):
        LayerSpec("x", "deconv")
    with pytest.raises(ValueError, match="unknown activation"):
        LayerSpec("x", CONV, channels=1, kernel=3, activation="gelu")


def test_architecture_round_trips_through_a_dict():
    assert Architecture.from_dict(LENET5.to_dict()) == LENET5


@pytest.fixture(scope="module")
def lenet_trace():
    rng = np.random.default_rng(40)
    net = Network.initialise(LENET5, seed=4)
    for key in net.params:
        if key.endswith(".b"):
            net.params[key][:] = rng.normal(0, 0.1, net.params[key].shape)
    x = rng.uniform(0, 1, (1, 28, 28)).astype(np.float32)
    return net, x, net.trace(x)


def test_trace_holds_every_layer_in_order_with_the_documented_fields(lenet_trace):
    _, _, trace = lenet_trace
    assert [t.name for t in trace] == [s.name for s in LENET5.layers]
    assert [t.kind for t in trace] == [s.kind for s in LENET5.layers]
    for t, shape, spec in zip(trace, LENET5.output_shapes(), LENET5.layers):
        assert t.output.shape == shape
        assert (t.weighted_input is not None) == (spec.kind in (CONV, DENSE))
        assert (t.argmax is not None) == (spec.kind == MAXPOOL)
        if spec.kind == MAXPOOL:
            assert t.argmax.shape == shape


def test_trace_output_equals_forward(lenet_trace):
    net, x, trace = lenet_trace
    np.testing.assert_allclose(trace[-1].output, net.forward(x[None])[0], rtol=1e-6, atol=1e-7)
    assert trace[-1].output.sum() == pytest.approx(1.0, abs=1e-5)


def test_trace_layers_recomputed_from_the_layer_below(lenet_trace):
    net, x, trace = lenet_trace
    p = {k: v.astype(np.float64) for k, v in net.params.items()}
    t = {item.name: item for item in trace}
    close = {"rtol": 1e-4, "atol": 1e-4}
    z1 = ref.conv2d(x[None].astype(np.float64), p["conv1.w"], p["conv1.b"], 1, 2)[0]
    np.testing.assert_allclose(t["conv1"].weighted_input, z1, **close)
    np.testing.assert_allclose(t["conv1"].output, np.maximum(t["conv1"].weighted_input, 0))
    pool1, argmax1 = ref.maxpool(t["conv1"].output[None], 2, 2)
    np.testing.assert_array_equal(t["pool1"].output, pool1[0])
    np.testing.assert_array_equal(t["pool1"].argmax, argmax1[0])
    z2 = ref.conv2d(t["pool1"].output[None].astype(np.float64), p["conv2.w"], p["conv2.b"], 1, 0)[0]
    np.testing.assert_allclose(t["conv2"].weighted_input, z2, **close)
    pool2, argmax2 = ref.maxpool(t["conv2"].output[None], 2, 2)
    np.testing.assert_array_equal(t["pool2"].output, pool2[0])
    np.testing.assert_array_equal(t["pool2"].argmax, argmax2[0])
    # Flattening is channel-major: index c*25 + y*5 + x is unit (c, y, x).
    flat = t["flatten"].output
    assert flat[3 * 25 + 2 * 5 + 4] == t["pool2"].output[3, 2, 4]
    np.testing.assert_array_equal(flat, t["pool2"].output.reshape(-1))
    below = flat
    for name in ("fc1", "fc2", "fc3"):
        z = ref.dense(below[None].astype(np.float64), p[f"{name}.w"], p[f"{name}.b"])[0]
        np.testing.assert_allclose(t[name].weighted_input, z, **close)
        below = t[name].output
    np.testing.assert_array_equal(t["fc3"].output, t["fc3"].weighted_input)  # no activation on the logits
    logits = t["fc3"].output.astype(np.float64)
    np.testing.assert_allclose(t["softmax"].output, np.exp(logits) / np.exp(logits).sum(), rtol=1e-5)


def test_predict_is_the_argmax_of_forward_in_batches():
    net = Network.initialise(LENET5, seed=5)
    x = np.random.default_rng(41).uniform(0, 1, (7, 1, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(net.predict(x, batch_size=3), net.forward(x).argmax(axis=1))


@pytest.mark.parametrize("kind, attrs, in_shape, words", [
    (MAXPOOL, {"kernel": 3, "padding": 2}, (1, 8, 8), "pooling padding must be between 0 and half the kernel"),
    ("avgpool", {"kernel": 2, "stride": 2, "dilation": 2}, (1, 8, 8), "pooling has no dilation"),
    (CONV, {"channels": 1, "kernel": 3, "dilation": 0}, (1, 8, 8), "kernel, stride and dilation must be positive"),
    (CONV, {"channels": 1, "kernel": 3}, (1, 8, 2), "kernel larger than its 8x2 input"),
    (MAXPOOL, {"kernel": 3}, (1, 8, 2), "kernel larger than its 8x2 input"),
], ids=["pool padding past half", "pool dilation", "conv dilation 0", "conv wider than its input", "pool wider than its input"])
def test_layers_the_kernels_cannot_compute_are_refused_by_the_architecture(kind, attrs, in_shape, words):
    with pytest.raises(ValueError, match=words):
        Architecture("x", in_shape, (LayerSpec("l", kind, **attrs),))
