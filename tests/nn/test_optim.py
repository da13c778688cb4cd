"""Optimisers and the learning-rate schedule, against steps worked out from their definitions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from app.nn.architecture import LENET5
from app.nn.network import Network
from app.nn.optim import SGD, Adam, cosine_lr


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(70)
    # A fixed batch: 32 random "images" with random labels; fitting them only needs the loss to fall.
    return rng.uniform(0, 1, (32, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 32)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.01), lambda p: Adam(p, lr=1e-3)], ids=["sgd", "adam"])
def test_optimiser_decreases_the_loss_on_a_fixed_batch(batch, make):
    x, labels = batch
    net = Network.initialise(LENET5, seed=2)
    opt = make(net.params)
    first, grads, _ = net.loss_and_grads(x, labels)
    for _ in range(15):
        opt.step(grads)
        loss, grads, _ = net.loss_and_grads(x, labels)
    assert loss < 0.8 * first


def test_sgd_momentum_steps_by_hand():
    # v1 = -lr g, p1 = p0 - lr g; v2 = mu v1 - lr g, p2 = p1 - lr g (1 + mu).
    params = {"w": np.array([1.0, -2.0])}
    opt = SGD(params, lr=0.1, momentum=0.5)
    g = {"w": np.array([2.0, 4.0])}
    opt.step(g)
    np.testing.assert_allclose(params["w"], [0.8, -2.4])
    opt.step(g)
    np.testing.assert_allclose(params["w"], [0.5, -3.0])


def test_adam_first_step_moves_every_parameter_by_lr_against_the_gradient_sign():
    # After bias correction m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    params = {"w": np.array([0.0, 1.0, 2.0, 3.0])}
    opt = Adam(params, lr=0.01)
    opt.step({"w": np.array([5.0, -0.5, 300.0, -2.0])})
    np.testing.assert_allclose(params["w"], [-0.01, 1.01, 1.99, 3.01], rtol=1e-6)


def test_adam_with_a_constant_gradient_keeps_stepping_by_lr():
    params = {"w": np.array([1.0])}
    opt = Adam(params, lr=0.05)
    for _ in range(10):
        opt.step({"w": np.array([3.0])})
    np.testing.assert_allclose(params["w"], [0.5], rtol=1e-6)


def test_adam_weight_decay_shrinks_weights_but_not_biases():
    params = {"fc.w": np.array([2.0]), "fc.b": np.array([2.0])}
    opt = Adam(params, lr=0.1, weight_decay=0.5, decay={"fc.w"})
    opt.step({"fc.w": np.array([0.0]), "fc.b": np.array([0.0])})
    np.testing.assert_allclose(params["fc.w"], [2.0 * (1 - 0.1 * 0.5)])
    np.testing.assert_allclose(params["fc.b"], [2.0])


def test_cosine_lr_warms_up_linearly_then_decays_to_the_final_fraction():
    base, total, warmup = 0.1, 110, 10
    assert cosine_lr(base, 0, total, warmup) == pytest.approx(base / warmup)
    assert cosine_lr(base, 4, total, warmup) == pytest.approx(base * 5 / warmup)
    assert cosine_lr(base, warmup - 1, total, warmup) == pytest.approx(base)
    assert cosine_lr(base, warmup, total, warmup) == pytest.approx(base)  # decay starts from the top
    low = base * 0.01
    assert cosine_lr(base, 60, total, warmup) == pytest.approx((base + low) / 2)  # halfway: cos(pi/2) = 0
    assert cosine_lr(base, total, total, warmup) == pytest.approx(low)
    assert cosine_lr(base, total + 50, total, warmup) == pytest.approx(low)  # stays at the floor
    after = [cosine_lr(base, s, total, warmup) for s in range(warmup, total + 1)]
    assert all(a >= b for a, b in itertools.pairwise(after))


def test_cosine_lr_without_warmup_and_with_a_final_fraction():
    assert cosine_lr(2.0, 0, 100) == pytest.approx(2.0)
    assert cosine_lr(2.0, 25, 100, final_fraction=0.0) == pytest.approx(1.0 + math.cos(math.pi / 4))
    assert cosine_lr(2.0, 100, 100, final_fraction=0.1) == pytest.approx(0.2)
