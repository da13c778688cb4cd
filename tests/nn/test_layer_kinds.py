"""Every registered layer kind against loops, numerical gradients and its own receptive window.

For each case of tests/nn/kind_cases.py: the forward pass equals the naive twin; backward
equals central differences of L = sum(out * dout) in float64 (batch norm in training mode
too); the input units a unit's gradient reaches lie inside the region its declared reading
(``Reads``) gives, filling it where nothing can cancel.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.layers import KINDS, layer_class
from app.nn.receptive import region_below

from .kind_cases import CASES, build, random_params, twin
from .numeric import assert_gradients_close, numerical_gradient


def test_every_registered_kind_has_a_case():
    assert {spec.kind for spec, _ in CASES.values()} == set(KINDS)


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="'deconvolution'"):
        layer_class("deconvolution")


def batch(case, rng, n=3, positive=False):
    layer = build(case)
    low = 0.1 if positive else -1.5
    x = rng.uniform(low, 1.5, (n, *layer.in_shape))
    return layer, x, random_params(layer, rng, positive)


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_matches_the_naive_twin(case):
    layer, x, params = batch(case, np.random.default_rng(1))
    out, _ = layer.forward(x, params, "infer")
    assert out.shape == (x.shape[0], *layer.out_shape)
    np.testing.assert_allclose(out, twin(layer, x, params), rtol=1e-10, atol=1e-12)
    x32 = x.astype(np.float32)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    out32, _ = layer.forward(x32, params32, "infer")
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, twin(layer, x32.astype(np.float64), params), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["maxpool", "maxpool-padded"])
def test_maxpool_winners_match_the_naive_twin(case):
    from . import reference as ref

    layer, x, params = batch(case, np.random.default_rng(2))
    x[0, 0, :2, :2] = 0.5  # a tie: the first in the window wins
    _, cache = layer.forward(x, params, "infer")
    s = layer.spec
    expected = ref.pool2d_padded(x, s.kernel, s.stride, s.padding, "max")[1]
    np.testing.assert_array_equal(layer.traced(cache)[1], expected)


@pytest.mark.parametrize("case", ["batchnorm-maps", "batchnorm-vector"])
def test_batchnorm_training_uses_batch_statistics_and_moves_the_running_averages(case):
    from . import reference as ref

    layer, x, params = batch(case, np.random.default_rng(3), n=4)
    old_mean, old_var = params["l.running_mean"].copy(), params["l.running_var"].copy()
    out, _ = layer.forward(x, params, "train")
    np.testing.assert_allclose(out, twin(layer, x, params, "train"), rtol=1e-10, atol=1e-12)
    mean, var = ref.channel_stats(x)
    n = x.size // x.shape[1]
    m = layer.spec.momentum
    np.testing.assert_allclose(params["l.running_mean"], (1 - m) * old_mean + m * mean)
    np.testing.assert_allclose(params["l.running_var"], (1 - m) * old_var + m * var * n / (n - 1))
    before = params["l.running_mean"].copy()
    layer.forward(x, params, "infer")
    np.testing.assert_array_equal(params["l.running_mean"], before)  # inference leaves them alone


def test_dropout_drops_in_training_scales_the_survivors_and_is_the_identity_at_inference():
    layer = build("dropout")
    x = np.random.default_rng(4).uniform(0.5, 1.5, (200, *layer.in_shape))
    out, _ = layer.forward(x, {}, "infer")
    np.testing.assert_array_equal(out, x)
    out, _ = layer.forward(x, {}, "train")
    dropped = out == 0
    assert 0.45 < dropped.mean() < 0.55  # rate 0.5 over 4,800 units
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - layer.spec.rate))


def test_a_mode_other_than_train_or_infer_is_refused():
    layer, x, params = batch("batchnorm-maps", np.random.default_rng(5))
    with pytest.raises(ValueError, match="mode"):
        layer.forward(x, params, "eval")


GRADIENT_CASES = [(case, "infer") for case in sorted(CASES)] + [
    ("batchnorm-maps", "train"), ("batchnorm-vector", "train"), ("dropout", "train"),
]


@pytest.mark.parametrize("case, mode", GRADIENT_CASES)
def test_backward_matches_the_numerical_gradient_in_float64(case, mode):
    rng = np.random.default_rng(6)
    layer, x, params = batch(case, rng)
    if layer.kind in ("maxpool",):
        x = x + np.arange(x.size).reshape(x.shape) * 1e-3  # no ties: max is not differentiable there

    def run():
        if hasattr(layer, "rng"):
            layer.rng = np.random.default_rng(7)  # the same dropout mask on every call
        return layer.forward(x, params, mode)

    out, cache = run()
    dout = rng.standard_normal(out.shape)
    dx, grads = layer.backward(dout, cache)

    def loss():
        return float(np.sum(run()[0] * dout))

    assert_gradients_close(dx, numerical_gradient(loss, x), rtol=1e-5, atol=1e-7)
    trainable = {layer.key(p.name) for p in layer.params() if p.trainable}
    assert set(grads) == trainable
    for key in trainable:
        assert_gradients_close(grads[key], numerical_gradient(loss, params[key]), rtol=1e-5, atol=1e-7)


EXACT = {"conv", "avgpool-padded", "globalavgpool", "flatten", "dense", "softmax",
         "batchnorm-maps", "batchnorm-vector", "dropout", "relu", "leaky_relu", "tanh", "sigmoid", "normalize"}


def box_mask(box, shape):
    c0, c1, y0, y1, x0, x1 = box
    mask = np.zeros(shape, bool)
    if len(shape) == 3:
        mask[c0 : c1 + 1, y0 : y1 + 1, x0 : x1 + 1] = True
    else:
        mask[c0 : c1 + 1] = True
    return mask


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_of_each_unit_stays_inside_its_declared_window(case):
    """Positive inputs and weights: nothing cancels, so the support fills the region, except
    where the reading is a bounding box with gaps (dilation) or one winner (max pool)."""
    layer, x, params = batch(case, np.random.default_rng(8), n=1, positive=True)
    if layer.kind == "maxpool":
        x = x + np.arange(x.size).reshape(x.shape) * 1e-3
    out, cache = layer.forward(x, params, "infer")
    for unit in np.ndindex(*layer.out_shape):
        dout = np.zeros_like(out)
        dout[(0, *unit)] = 1
        dx, _ = layer.backward(dout, cache)
        support = dx[0] != 0
        box = (unit[0], unit[0], unit[1], unit[1], unit[2], unit[2]) if len(unit) == 3 else (unit[0], unit[0], 0, 0, 0, 0)
        region = box_mask(region_below(layer.reads(), box, layer.in_shape), layer.in_shape)
        assert support.any(), f"{case} unit {unit}: the check would be vacuous"
        assert not (support & ~region).any(), f"{case} unit {unit}: gradient outside its region"
        if case in EXACT:
            np.testing.assert_array_equal(support, region, err_msg=f"{case} unit {unit}")


def test_weights_start_he_normal_by_their_fan_in():
    """He initialisation: std sqrt(2 / fan_in), fan_in the inputs of one output unit: 400 for a
    dense layer 400 -> 10 (weights (D_in, D_out)), 3 * 5 * 5 = 75 for a conv of 3 channels."""
    from app.nn.architecture import CONV, DENSE, FLATTEN, Architecture, LayerSpec
    from app.nn.network import Network

    arch = Architecture(name="he", input_shape=(3, 20, 20), layers=(
        LayerSpec("conv", CONV, channels=1000, kernel=5),  # (1000, 16, 16): 75,000 weights
        LayerSpec("flatten", FLATTEN),
    ))
    net = Network.initialise(arch, seed=0)
    assert np.std(net.params["conv.w"]) == pytest.approx(np.sqrt(2 / 75), rel=0.02)
    dense = Architecture(name="he-dense", input_shape=(1, 20, 20), layers=(
        LayerSpec("flatten", FLATTEN), LayerSpec("fc", DENSE, channels=10)))
    w = Network.initialise(dense, seed=0).params["fc.w"]
    assert w.shape == (400, 10) and np.std(w) == pytest.approx(np.sqrt(2 / 400), rel=0.05)
