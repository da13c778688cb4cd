"""Each kind's explain arithmetic against an independent computation: the numbers a student
reads for one unit must rebuild that unit's value as the loops of tests/nn/reference.py
compute it, not merely as the fast kernel did."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.nn.network import LayerTrace

from . import reference as ref
from .kind_cases import CASES, build, random_params, twin


def explained(case, seed=11):
    layer = build(case)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, (1, *layer.in_shape)).astype(np.float32)
    params = {k: v.astype(np.float32) for k, v in random_params(layer, rng).items()}
    out, cache = layer.forward(x, params, "infer")
    z, argmax = layer.traced(cache)
    trace = LayerTrace(layer.name, layer.kind, out[0], None if z is None else z[0], None if argmax is None else argmax[0])
    expected = twin(layer, x.astype(np.float64), {k: v.astype(np.float64) for k, v in params.items()})[0]
    units = list(np.ndindex(*layer.out_shape))
    picked = [units[0], units[len(units) // 2], units[-1]]
    return layer, x[0], params, expected, [(u, layer.explain(u, x[0], out[0], params, trace)) for u in picked]


def close(a, b):
    assert a == pytest.approx(b, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("case", ["conv", "conv-dilated"])
def test_conv_taps_products_and_bias_rebuild_the_unit(case):
    layer, x, params, expected, items = explained(case)
    s = layer.spec
    for unit, e in items:
        f, oy, ox = unit
        for ky in range(s.kernel):
            for kx in range(s.kernel):
                yy, xx = e["origin"][0] + ky * s.dilation, e["origin"][1] + kx * s.dilation
                inside = 0 <= yy < x.shape[1] and 0 <= xx < x.shape[2]
                assert e["in_padding"][ky, kx] == (not inside)
                np.testing.assert_array_equal(e["patch"][:, ky, kx], x[:, yy, xx] if inside else 0)
        z = ref.conv2d_dilated(x[None].astype(np.float64), params["l.w"].astype(np.float64),
                               params["l.b"].astype(np.float64), s.stride, s.padding, s.dilation)[0][unit]
        close(e["sum"] + e["bias"], z)
        close(float(e["products"].sum()), e["sum"])
        close(ref.activation(e["weighted_input"], s.activation), expected[unit])


@pytest.mark.parametrize("case", ["maxpool", "maxpool-padded", "avgpool-padded"])
def test_pool_window_rebuilds_the_unit(case):
    layer, x, _, expected, items = explained(case)
    for unit, e in items:
        window = e["window"][e["in_padding"] == 0]
        if layer.kind == "maxpool":
            wy, wx = e["winner"]
            close(float(x[unit[0], wy, wx]), expected[unit])
            close(float(window.max()), expected[unit])
        else:
            close(sum(float(v) for v in window) / e["count"], expected[unit])  # padded cells are zeros
            close(e["mean"], expected[unit])


def test_global_average_is_the_sum_over_the_count():
    _, x, _, expected, items = explained("globalavgpool")
    for (c,), e in items:
        close(e["sum"], float(x[c].astype(np.float64).sum()))
        close(e["sum"] / e["count"], expected[c])
        assert e["count"] == x.shape[1] * x.shape[2]


def test_flatten_names_the_unit_it_copies():
    _, x, _, expected, items = explained("flatten")
    for (i,), e in items:
        src = e["source"]
        close(float(x[src["channel"], src["y"], src["x"]]), expected[i])


@pytest.mark.parametrize("case", ["dense", "dense-leaky"])
def test_dense_sum_and_bias_rebuild_the_unit(case):
    layer, x, params, expected, items = explained(case)
    for (j,), e in items:
        close(sum(float(a) * float(w) for a, w in zip(x, params["l.w"][:, j])), e["sum"])
        close(ref.activation(e["sum"] + e["bias"], layer.spec.activation, layer.spec.slope), expected[j])
        products = [abs(t["product"]) for t in e["top"]]
        assert products == sorted(products, reverse=True)


def test_softmax_exps_over_their_sum_are_the_probabilities():
    _, x, _, expected, items = explained("softmax")
    for (j,), e in items:
        exps = [math.exp(v - max(x)) for v in x]
        close(exps[j] / sum(exps), expected[j])
        close(e["exps"][j] / e["sum_exps"], expected[j])


@pytest.mark.parametrize("case", ["batchnorm-maps", "batchnorm-vector"])
def test_batchnorm_steps_rebuild_the_unit(case):
    _, x, params, expected, items = explained(case)
    for unit, e in items:
        c = unit[0]
        close(e["mean"], params["l.running_mean"][c])
        close(e["std"], math.sqrt(float(params["l.running_var"][c]) + e["eps"]))
        close(e["normalized"], (float(x[unit]) - e["mean"]) / e["std"])
        close(e["gamma"] * e["normalized"] + e["beta"], expected[unit])


def test_dropout_is_explained_as_the_identity():
    _, x, _, expected, items = explained("dropout")
    for unit, e in items:
        assert e["identity"] is True
        close(e["input"], expected[unit])


@pytest.mark.parametrize("case", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_activation_of_the_input_is_the_unit(case):
    layer, _, _, expected, items = explained(case)
    for unit, e in items:
        close(ref.activation(e["input"], e["function"], e.get("slope", 0.01)), expected[unit])


def test_normalize_subtracts_the_mean_and_divides_by_the_std():
    _, _, _, expected, items = explained("normalize")
    for unit, e in items:
        close((e["input"] - e["mean"]) / e["std"], expected[unit])


def test_every_case_has_an_explain_test():
    tested = {"conv", "conv-dilated", "maxpool", "maxpool-padded", "avgpool-padded", "globalavgpool", "flatten",
              "dense", "dense-leaky", "softmax", "batchnorm-maps", "batchnorm-vector", "dropout", "relu",
              "leaky_relu", "tanh", "sigmoid", "normalize"}
    assert tested == set(CASES)
