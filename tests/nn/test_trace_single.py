"""The one-image path of every layer kind (``trace_single``, what ``Network.trace`` runs)
against the naive loops of tests/nn/reference.py.

The fast paths (conv at stride 1 through full-width patches and kept buffers, max pooling
whose windows tile the map, dense, softmax, flatten) and the default (the batch forward on a
batch of one) are each held to the twins on odd shapes: both product layouts of the conv,
padding, dilation, kernels that do not divide the input, colour inputs, ties in max-pool
windows; then whole networks, masks, weights edited between traces and two threads at once.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from app.nn.architecture import Architecture, LayerSpec
from app.nn.layers import layer_class
from app.nn.network import Network

from . import reference as ref
from .kind_cases import CASES, random_params, twin

# Beyond kind_cases: the conv's two product layouts (wide: C*K*K < H'*W'; deep: the rest),
# kernels that do not divide the input, pooling windows that tile or overlap the map.
EXTRA = {
    "conv-wide-padded": (LayerSpec("l", "conv", channels=4, kernel=3, padding=2, activation="relu"), (1, 9, 7)),
    "conv-deep-colour": (LayerSpec("l", "conv", channels=5, kernel=3, activation="leaky_relu", slope=0.1), (3, 5, 6)),
    "conv-dilated-stride1": (LayerSpec("l", "conv", channels=2, kernel=3, padding=1, dilation=2), (3, 8, 11)),
    "conv-kernel5-linear": (LayerSpec("l", "conv", channels=3, kernel=5, padding=2), (2, 7, 9)),
    "maxpool-odd": (LayerSpec("l", "maxpool", kernel=2, stride=2), (3, 7, 9)),
    "maxpool-3x3-tiles": (LayerSpec("l", "maxpool", kernel=3, stride=3), (2, 8, 10)),
    "maxpool-overlapping": (LayerSpec("l", "maxpool", kernel=2, stride=1), (2, 5, 4)),
    "avgpool-tiles": (LayerSpec("l", "avgpool", kernel=2, stride=2), (3, 6, 7)),
}
ALL = {**CASES, **EXTRA}


def build(case):
    spec, in_shape = ALL[case]
    return layer_class(spec.kind)(spec, in_shape)


def linear_twin(layer, x, params):
    """The weighted input of a conv or dense layer from loops, before its activation."""
    s, k = layer.spec, layer.key
    if layer.kind == "conv":
        return ref.conv2d_dilated(x, params[k("w")], params[k("b")], s.stride, s.padding, s.dilation)
    return ref.dense(x, params[k("w")], params[k("b")])


def check_against_twins(layer, x, params, rtol, atol):
    """x (1, *in_shape): trace_single of x[0] equals the twins' output, weighted input and winners."""
    out, z, argmax = layer.trace_single(x[0], params)
    assert out.shape == layer.out_shape
    np.testing.assert_allclose(out, twin(layer, x.astype(np.float64), params)[0], rtol=rtol, atol=atol)
    if layer.weighted:
        assert z.shape == layer.out_shape and z.dtype == out.dtype
        np.testing.assert_allclose(z, linear_twin(layer, x.astype(np.float64), params)[0], rtol=rtol, atol=atol)
    else:
        assert z is None
    if layer.kind == "maxpool":
        s = layer.spec
        expected = ref.pool2d_padded(x, s.kernel, s.stride, s.padding, "max")[1][0]
        np.testing.assert_array_equal(argmax, expected)
        assert argmax.dtype == np.uint8
    else:
        assert argmax is None
    return out, z, argmax


@pytest.mark.parametrize("case", sorted(ALL))
def test_one_image_matches_the_naive_twins_in_float64_and_keeps_float32(case):
    layer = build(case)
    rng = np.random.default_rng(3)
    params = random_params(layer, rng)
    x = rng.uniform(-1.5, 1.5, (1, *layer.in_shape))
    out, _, _ = check_against_twins(layer, x, params, rtol=1e-10, atol=1e-12)
    assert out.dtype == np.float64
    x32, params32 = x.astype(np.float32), {k: v.astype(np.float32) for k, v in params.items()}
    out32, _, _ = check_against_twins(layer, x32, params32, rtol=1e-4, atol=1e-5)
    assert out32.dtype == np.float32


@pytest.mark.parametrize("case", ["maxpool", "maxpool-odd", "maxpool-3x3-tiles", "maxpool-overlapping", "maxpool-padded"])
def test_max_pool_ties_go_to_the_first_of_the_window_as_in_the_loops(case):
    layer = build(case)
    rng = np.random.default_rng(4)
    # Whole numbers after a ReLU: most windows hold equal maxima (zeros, ones, twos).
    x = np.maximum(np.round(rng.uniform(-2, 2, (1, *layer.in_shape))), 0).astype(np.float32)
    check_against_twins(layer, x, {}, rtol=0, atol=0)


def test_a_conv_reads_weights_edited_between_two_traces():
    layer = build("conv-wide-padded")
    rng = np.random.default_rng(5)
    params = {k: v.astype(np.float32) for k, v in random_params(layer, rng).items()}
    x = rng.uniform(0, 1, (1, *layer.in_shape)).astype(np.float32)
    check_against_twins(layer, x, params, rtol=1e-4, atol=1e-5)
    params[layer.key("w")][1] = 0  # edited in place, as an ablation would
    params[layer.key("b")][:] = rng.uniform(-1, 1, layer.spec.channels)
    check_against_twins(layer, x, params, rtol=1e-4, atol=1e-5)
    params = {k: v.astype(np.float64) for k, v in params.items()}  # another type: other buffers
    check_against_twins(layer, x.astype(np.float64), params, rtol=1e-10, atol=1e-12)


# A colour network through every fast path and the defaults between them: conv at stride 1
# with dilation, max pooling with padding, conv at stride 2, batch norm, max pooling that tiles,
# global average pooling, dense, softmax.
ODD = Architecture(
    name="odd",
    input_shape=(3, 13, 11),
    layers=(
        LayerSpec("conv_a", "conv", channels=4, kernel=3, padding=2, dilation=2, activation="relu"),  # (4, 13, 11)
        LayerSpec("pool_a", "maxpool", kernel=3, stride=2, padding=1),  # (4, 7, 6)
        LayerSpec("conv_b", "conv", channels=6, kernel=3, stride=2, padding=1, activation="tanh"),  # (6, 4, 3)
        LayerSpec("norm", "batchnorm"),
        LayerSpec("conv_c", "conv", channels=5, kernel=2, activation="relu"),  # (5, 3, 2)
        LayerSpec("pool_c", "maxpool", kernel=2, stride=2),  # (5, 1, 1)
        LayerSpec("gap", "globalavgpool"),  # (5,)
        LayerSpec("fc", "dense", channels=4),
        LayerSpec("softmax", "softmax"),
    ),
    class_names=("a", "b", "c", "d"),
)


def chained_twins(network, x, masks=None):
    """Every layer's (output, weighted input, winners) from the loops, each fed the one before."""
    a = x[None].astype(np.float64)
    params = {k: v.astype(np.float64) for k, v in network.params.items()}
    result = []
    for i, layer in enumerate(network.layers):
        z = linear_twin(layer, a, params) if layer.weighted else None
        argmax = None
        if layer.kind == "maxpool":
            s = layer.spec
            argmax = ref.pool2d_padded(a, s.kernel, s.stride, s.padding, "max")[1]
        out = twin(layer, a, params)
        if masks and i in masks:
            out = out * masks[i]
            z = None if z is None else z * masks[i]
        result.append((out[0], None if z is None else z[0], None if argmax is None else argmax[0]))
        a = out
    return result


def odd_network(seed=0):
    network = Network.initialise(ODD, seed)
    rng = np.random.default_rng(seed)
    network.params["norm.running_mean"][:] = rng.uniform(-0.5, 0.5, 6)
    network.params["norm.running_var"][:] = rng.uniform(0.5, 2, 6)
    return network


def assert_trace_matches(traces, expected):
    for t, (out, z, argmax) in zip(traces, expected, strict=True):
        assert t.output.dtype == np.float32
        np.testing.assert_allclose(t.output, out, rtol=1e-4, atol=1e-5, err_msg=t.name)
        if z is None:
            assert t.weighted_input is None
        else:
            np.testing.assert_allclose(t.weighted_input, z, rtol=1e-4, atol=1e-5, err_msg=t.name)
        if argmax is None:
            assert t.argmax is None
        else:
            np.testing.assert_array_equal(t.argmax, argmax, err_msg=t.name)


def test_a_colour_network_traces_as_its_layers_loops_chained():
    network = odd_network()
    x = np.random.default_rng(1).uniform(0, 1, ODD.input_shape).astype(np.float32)
    assert_trace_matches(network.trace(x), chained_twins(network, x))


def test_masks_zero_the_units_of_the_trace_and_every_layer_above():
    network = odd_network()
    x = np.random.default_rng(2).uniform(0, 1, ODD.input_shape).astype(np.float32)
    masks = {0: np.ones((1, 4, 1, 1), np.float32), 7: np.ones((1, 4), np.float32)}
    masks[0][0, 2] = 0
    masks[7][0, 1] = 0
    traces = network.trace(x, masks=masks)
    assert not traces[0].output[2].any() and not traces[0].weighted_input[2].any()
    assert_trace_matches(traces, chained_twins(network, x, masks))


def test_two_threads_tracing_one_network_each_get_their_own_answer():
    network = odd_network()
    inputs = [np.random.default_rng(seed).uniform(0, 1, ODD.input_shape).astype(np.float32) for seed in (3, 4)]
    results: list[list] = [[], []]
    start = threading.Barrier(2)

    def run(i):
        start.wait()
        results[i] = [network.trace(inputs[i]) for _ in range(100)]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: inside a layer's calls too
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for x, traces in zip(inputs, results, strict=True):
        expected = chained_twins(network, x)
        for output in {t[-1].output.tobytes(): t for t in traces}.values():  # each different answer once
            assert_trace_matches(output, expected)
