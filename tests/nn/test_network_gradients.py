"""Network.loss_and_grads against central differences of the loss, on a tiny architecture that
uses every layer kind and activation, and on sampled parameters of LeNet-5.

The network computes in float32 (network.DTYPE). The exact check runs it in float64 by
switching that constant; the float32 network is then held to the float64 numerical gradient
with a tolerance fit for float32.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn import network as network_module
from app.nn.architecture import DENSE, FLATTEN, LENET5, Architecture, LayerSpec
from app.nn.network import Network

from .archs import TINY
from .numeric import assert_gradients_close, numerical_gradient


def random_params(architecture, rng):
    return {key: rng.standard_normal(shape) * 0.6 for key, shape in architecture.param_shapes().items()}


def independent_loss(net, x, labels):
    """Mean negative log-probability of the true class, from the forward pass's softmax."""
    probs = net.forward(x)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def float64_network(monkeypatch, architecture, params):
    """A Network computing in float64; the switch lasts until the test ends."""
    monkeypatch.setattr(network_module, "DTYPE", np.float64)
    net = Network(architecture, {k: np.asarray(v, np.float64).copy() for k, v in params.items()})
    assert all(p.dtype == np.float64 for p in net.params.values()), "network did not switch to float64"
    return net


def tiny_batch(rng):
    return rng.standard_normal((4, 2, 10, 10)), np.array([0, 2, 1, 2])


def test_tiny_network_loss_and_grads_match_numerical_gradient_in_float64(monkeypatch):
    rng = np.random.default_rng(30)
    x, labels = tiny_batch(rng)
    net = float64_network(monkeypatch, TINY, random_params(TINY, rng))
    loss, grads, probs = net.loss_and_grads(x, labels)
    assert set(grads) == set(TINY.param_shapes())
    assert loss == pytest.approx(independent_loss(net, x, labels), rel=1e-10)
    np.testing.assert_allclose(probs, net.forward(x), rtol=1e-10, atol=1e-14)
    for key, param in net.params.items():
        numeric = numerical_gradient(lambda: independent_loss(net, x, labels), param, eps=1e-6)
        assert grads[key].shape == param.shape
        assert_gradients_close(grads[key], numeric, rtol=1e-5, atol=1e-8)


def test_tiny_network_float32_grads_match_float64_numerical_gradient(monkeypatch):
    rng = np.random.default_rng(31)
    x, labels = tiny_batch(rng)
    params = random_params(TINY, rng)
    _, grads32, _ = Network(TINY, params).loss_and_grads(x.astype(np.float32), labels)  # float32
    assert all(g.dtype == np.float32 for g in grads32.values())
    net = float64_network(monkeypatch, TINY, {k: v.astype(np.float32).astype(np.float64) for k, v in params.items()})
    x64 = x.astype(np.float32).astype(np.float64)  # the very numbers the float32 network saw
    for key, param in net.params.items():
        numeric = numerical_gradient(lambda: independent_loss(net, x64, labels), param, eps=1e-6)
        scale = np.abs(numeric).max()
        assert_gradients_close(grads32[key], numeric, rtol=1e-3, atol=1e-4 * scale)


def test_lenet5_loss_and_grads_match_numerical_gradient_on_sampled_parameters(monkeypatch):
    rng = np.random.default_rng(32)
    params = {k: v.astype(np.float64) for k, v in Network.initialise(LENET5, seed=3).params.items()}
    params = {k: v + (rng.standard_normal(v.shape) * 0.05 if k.endswith(".b") else 0) for k, v in params.items()}
    net = float64_network(monkeypatch, LENET5, params)
    x = rng.uniform(0, 1, (2, 1, 28, 28))
    labels = np.array([3, 7])
    _, grads, _ = net.loss_and_grads(x, labels)
    for key, param in net.params.items():
        flat = rng.choice(param.size, size=min(6, param.size), replace=False)
        sampled = [np.unravel_index(i, param.shape) for i in flat]
        numeric = numerical_gradient(lambda: independent_loss(net, x, labels), param, eps=1e-6, indices=sampled)
        got = np.array([grads[key][i] for i in sampled])
        want = np.array([numeric[i] for i in sampled])
        assert_gradients_close(got, want, rtol=1e-5, atol=1e-9)


def test_network_without_final_softmax_treats_last_layer_as_logits(monkeypatch):
    rng = np.random.default_rng(33)
    arch = Architecture("logits", (1, 4, 4), (LayerSpec("flatten", FLATTEN), LayerSpec("fc", DENSE, channels=3)))
    net = float64_network(monkeypatch, arch, random_params(arch, rng))
    x, labels = rng.standard_normal((5, 1, 4, 4)), np.array([0, 1, 2, 1, 0])
    loss, grads, _ = net.loss_and_grads(x, labels)
    logits = net.forward(x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert loss == pytest.approx(-log_p[np.arange(5), labels].mean(), rel=1e-12)

    def loss_fn():
        out = net.forward(x)
        out = out - out.max(axis=1, keepdims=True)
        return -np.mean(out[np.arange(5), labels] - np.log(np.exp(out).sum(axis=1)))

    assert_gradients_close(grads["fc.w"], numerical_gradient(loss_fn, net.params["fc.w"]), rtol=1e-6)


MODERN = Architecture(
    name="modern",
    input_shape=(2, 6, 6),
    layers=(
        LayerSpec("normalize", "normalize", mean=(0.5, 0.4), std=(0.3, 0.2)),
        LayerSpec("conv", "conv", channels=3, kernel=3, padding=1),  # (3, 6, 6)
        LayerSpec("bn", "batchnorm"),
        LayerSpec("act", "leaky_relu", slope=0.1),
        LayerSpec("pool", "maxpool", kernel=3, stride=2, padding=1),  # (3, 3, 3)
        LayerSpec("drop", "dropout", rate=0.3),
        LayerSpec("gap", "globalavgpool"),  # (3,)
        LayerSpec("fc", DENSE, channels=4, activation="tanh"),
        LayerSpec("bn_fc", "batchnorm"),
        LayerSpec("out", DENSE, channels=3),
        LayerSpec("softmax", "softmax"),
    ),
    class_names=("a", "b", "c"),
)


@pytest.mark.parametrize("mode", ["train", "infer"])
def test_network_of_the_new_kinds_matches_numerical_gradient_in_float64(monkeypatch, mode):
    """Batch norm with batch statistics and dropout dropping (the same mask on every call) in
    training mode; running averages and the identity at inference."""
    rng = np.random.default_rng(33)
    params = random_params(MODERN, rng)
    for key in ("bn.running_var", "bn_fc.running_var"):
        params[key] = rng.uniform(0.5, 2.0, params[key].shape)
    net = float64_network(monkeypatch, MODERN, params)
    x, labels = rng.uniform(0, 1, (5, 2, 6, 6)), np.array([0, 2, 1, 2, 1])

    def loss():
        net.reseed(3)
        return net.loss_and_grads(x, labels, mode=mode)[0]

    net.reseed(3)
    _, grads, _ = net.loss_and_grads(x, labels, mode=mode)
    assert set(grads) == net.trainable_keys()
    for key in sorted(grads):
        assert_gradients_close(grads[key], numerical_gradient(loss, net.params[key]), rtol=1e-5, atol=1e-8)
