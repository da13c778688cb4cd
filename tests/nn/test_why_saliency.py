"""The saliency maps against independent computations: central differences in float64 on a
small network, the loop-by-loop reference kernels chained by hand for LeNet-5, a plain loop
over occlusion positions, and Grad-CAM from the trace and numerical gradients."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import load_model
from app.nn import network as network_module
from app.nn.network import Network
from app.why import saliency as sal
from app.why.gradients import input_gradient
from testdata import mnist_sample

from . import reference as ref
from .archs import TINY
from .numeric import assert_gradients_close, numerical_gradient


@pytest.fixture(scope="module")
def lenet():
    return load_model("mnist").network


@pytest.fixture(scope="module")
def digits():
    images, labels = mnist_sample()
    return images[:4].astype(np.float32)[:, None] / 255, labels[:4]


def logits_by_forward(net, x):
    """The logits of one image: every layer's forward pass but the final softmax."""
    a = x[None]
    for layer in net.layers[:-1]:
        a = layer.forward(a, net.params, "infer")[0]
    return a[0]


def test_input_gradient_matches_central_differences_in_float64(monkeypatch):
    monkeypatch.setattr(network_module, "DTYPE", np.float64)
    rng = np.random.default_rng(3)
    params = {k: rng.standard_normal(s) * 0.6 for k, s in TINY.param_shapes().items()}
    net = Network(TINY, params)
    x = rng.uniform(0, 1, TINY.input_shape)
    for cls in range(3):
        grad, _ = input_gradient(net, x, cls)
        numeric = numerical_gradient(lambda: logits_by_forward(net, x)[cls], x)
        assert_gradients_close(grad, numeric, rtol=1e-6, atol=1e-9)


def lenet_gradient_by_reference(net, x, cls):
    """d logit[cls] / d input for LeNet-5, with the loop-by-loop kernels, written out layer by layer."""
    p = {k: v.astype(np.float64) for k, v in net.params.items()}
    x = x[None].astype(np.float64)
    z1 = ref.conv2d(x, p["conv1.w"], p["conv1.b"], 1, 2)
    a1 = np.maximum(z1, 0)
    m1, arg1 = ref.maxpool(a1, 2, 2)
    z2 = ref.conv2d(m1, p["conv2.w"], p["conv2.b"], 1, 0)
    d = conv2_output_gradient_by_reference(net, np.maximum(z2, 0)[0], cls)[None]  # pools and dense layers
    d, _, _ = ref.conv2d_grads(d * (z2 > 0), m1, p["conv2.w"], 1, 0)
    d = ref.maxpool_grad(d, a1.shape, arg1, 2, 2)
    d, _, _ = ref.conv2d_grads(d * (z1 > 0), x, p["conv1.w"], 1, 2)
    return d[0]


def test_lenet_input_gradient_matches_reference_chain(lenet, digits):
    x = digits[0][0]
    for cls in (int(digits[1][0]), 3):
        grad, _ = input_gradient(lenet, x, cls)
        expected = lenet_gradient_by_reference(lenet, x, cls)
        np.testing.assert_allclose(grad, expected, rtol=1e-3, atol=1e-4 * np.abs(expected).max())


def test_gradient_x_input_is_gradient_times_pixels(lenet, digits):
    x = digits[0][1]
    grad, _ = input_gradient(lenet, x, 2)
    np.testing.assert_allclose(sal.gradient_map(lenet, x, 2, times_input=True), (grad * x)[0], rtol=1e-6)


def test_occlusion_matches_plain_loop(lenet, digits):
    x, cls, patch, stride, fill = digits[0][2], 1, 5, 3, 0.5
    got = sal.occlusion_map(lenet, x, cls, patch, stride, fill)
    h, w = x.shape[1:]
    p0 = lenet.forward(x[None])[0, cls]
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for y in range(0, h, stride):
        for x0 in range(0, w, stride):
            covered = x.copy()
            covered[:, y:y + patch, x0:x0 + patch] = fill
            drop = p0 - lenet.forward(covered[None])[0, cls]
            for yy in range(y, min(y + patch, h)):
                for xx in range(x0, min(x0 + patch, w)):
                    total[yy, xx] += drop
                    count[yy, xx] += 1
    np.testing.assert_allclose(got, total / count, atol=1e-5)


def test_bilinear_upsampling_matches_hand_worked_half_pixel_example():
    # Half-pixel centres, 2x2 -> 4x4: edges hold their value, inner samples at 1/4 and 3/4.
    expected = np.array([
        [1.0, 1.25, 1.75, 2.0],
        [1.5, 1.75, 2.25, 2.5],
        [2.5, 2.75, 3.25, 3.5],
        [3.0, 3.25, 3.75, 4.0],
    ])
    np.testing.assert_allclose(sal.upsample_bilinear(np.array([[1.0, 2.0], [3.0, 4.0]]), 4, 4), expected)
    # Downscale 4 -> 3 along one axis: source coordinates 1/6, 3/2, 17/6.
    row = sal.upsample_bilinear(np.array([[0.0, 3.0, 6.0, 9.0]]), 1, 3)[0]
    np.testing.assert_allclose(row, [0.5, 4.5, 8.5], rtol=1e-6)


def conv2_output_gradient_by_reference(net, a, cls):
    """d logit[cls] / d A for A the output of conv2 (after its ReLU), with the reference kernels."""
    p = {k: v.astype(np.float64) for k, v in net.params.items()}
    m2, arg2 = ref.maxpool(a[None], 2, 2)
    f = m2.reshape(1, -1)
    z3 = ref.dense(f, p["fc1.w"], p["fc1.b"])
    z4 = ref.dense(np.maximum(z3, 0), p["fc2.w"], p["fc2.b"])
    d = np.zeros((1, 10))
    d[0, cls] = 1
    d, _, _ = ref.dense_grads(d, np.maximum(z4, 0), p["fc3.w"])
    d, _, _ = ref.dense_grads(d * (z4 > 0), np.maximum(z3, 0), p["fc2.w"])
    d, _, _ = ref.dense_grads(d * (z3 > 0), f, p["fc1.w"])
    return ref.maxpool_grad(d.reshape(m2.shape), (1, *a.shape), arg2, 2, 2)[0]


def test_gradcam_matches_trace_and_reference_gradients(lenet, digits):
    x, cls = digits[0][3], int(digits[1][3])
    i = [layer.name for layer in lenet.layers].index("conv2")
    a = lenet.trace(x)[i].output.astype(np.float64)  # (16, 10, 10), after the ReLU
    grad = conv2_output_gradient_by_reference(lenet, a, cls)
    alpha = grad.mean(axis=(1, 2))
    expected = np.maximum(sum(alpha[k] * a[k] for k in range(a.shape[0])), 0)
    got = sal.gradcam_layer_map(lenet, x, cls, "conv2")
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6 * max(1.0, expected.max()))
    assert expected.max() > 0
    assert sal.default_gradcam_layer(lenet) == "conv2"


def test_randomized_weights_change_the_map(lenet, digits):
    x = digits[0][0]
    params = sal.randomized_params(lenet, 0)
    assert not np.allclose(params["conv1.w"], lenet.params["conv1.w"])
    np.testing.assert_array_equal(params["fc1.w"], sal.randomized_params(lenet, 0)["fc1.w"])  # the seed fixes them
    assert not np.allclose(sal.gradient_map(lenet, x, 0, params=params), sal.gradient_map(lenet, x, 0))


def test_gradcam_of_a_conv_with_its_own_relu_layer_weighs_the_relu_maps():
    """docs/api.md: A_k is the output of the activation layer that follows the named layer,
    where there is one. A conv (no fused activation), a relu layer of its own, then one dense
    layer: d logit[c] / d A is that layer's weight column, so by hand
    map = ReLU(sum_k mean(w[:, c] of map k) * relu(z_k))."""
    from app.nn.architecture import CONV, DENSE, FLATTEN, SOFTMAX, Architecture, LayerSpec

    arch = Architecture(name="own-relu", input_shape=(1, 6, 6), layers=(
        LayerSpec("conv", CONV, channels=3, kernel=3),  # (3, 4, 4)
        LayerSpec("relu", "relu"),
        LayerSpec("flatten", FLATTEN),  # (48,)
        LayerSpec("fc", DENSE, channels=2),
        LayerSpec("softmax", SOFTMAX),
    ), class_names=("a", "b"))
    net = Network.initialise(arch, seed=4)
    x = np.random.default_rng(1).random((1, 6, 6)).astype(np.float32)
    z = net.layers[0].forward(x[None], net.params, "infer")[0][0].astype(np.float64)  # (3, 4, 4)
    assert (z < 0).any() and (z > 0).any()  # the relu changes something
    a = np.maximum(z, 0)
    for cls in (0, 1):
        column = net.params["fc.w"][:, cls].reshape(3, 4, 4)
        expected = np.maximum(sum(column[k].mean() * a[k] for k in range(3)), 0)
        np.testing.assert_allclose(sal.gradcam_layer_map(net, x, cls, "conv"), expected, rtol=1e-5, atol=1e-6)
