"""POST /api/explain: the arithmetic of one unit, recomputed here with plain NumPy (float64,
loops over the kernel) from the weights the API publishes, for every layer kind."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tensors import decode

from .helpers import pixels_of

CLOSE = {"rtol": 1e-4, "atol": 1e-5}  # float32 sums of up to 400 products against float64
FLOAT16 = {"rtol": 2**-10, "atol": 1e-4}  # the trace's float16 maps against float64


def conv_reference(x, w, b, stride, pad):
    """x (C, H, W), w (F, C, K, K) -> pre-activation (F, H', W'), one kernel tap at a time."""
    f, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))  # zero padding on every side
    ho, wo = (xp.shape[1] - k) // stride + 1, (xp.shape[2] - k) // stride + 1
    z = np.zeros((f, ho, wo))
    for ky in range(k):
        for kx in range(k):
            taps = xp[:, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride]  # (C, H', W')
            z += np.einsum("fc,chw->fhw", w[:, :, ky, kx], taps)
    return z + b[:, None, None]


def maxpool_reference(x, k, stride):
    c, h, w = x.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.full((c, ho, wo), -np.inf)
    for ky in range(k):
        for kx in range(k):
            out = np.maximum(out, x[:, ky : ky + stride * ho : stride, kx : kx + stride * wo : stride])
    return out


def activate(z, name):
    if name is None:
        return z
    assert name == "relu", f"the reference knows relu only, not {name}"
    return np.maximum(z, 0)


@pytest.fixture(scope="module")
def published(client):
    """The architecture and the weights, as any client of the API sees them."""
    layers = client.get("/api/models/mnist").json()["layers"]
    weights = {
        l["name"]: (decode(l["w"]).astype(np.float64), decode(l["b"]).astype(np.float64))
        for l in client.get("/api/models/mnist/weights").json()["layers"]
    }
    return layers, weights


def forward_reference(layers, weights, x):
    """Every layer's (pre-activation, output) for input x (1, 28, 28), in float64."""
    results, a = {"input": (None, x)}, x
    for layer in layers:
        kind, z = layer["kind"], None
        if kind == "conv":
            z = conv_reference(a, *weights[layer["name"]], layer["stride"], layer["padding"])
            a = activate(z, layer["activation"])
        elif kind == "maxpool":
            a = maxpool_reference(a, layer["kernel"], layer["stride"])
        elif kind == "flatten":
            a = a.reshape(-1)
        elif kind == "dense":
            w, b = weights[layer["name"]]
            z = a @ w + b
            a = activate(z, layer["activation"])
        elif kind == "softmax":
            e = np.exp(a - a.max())
            a = e / e.sum()
        results[layer["name"]] = (z, a)
    return results


def inputs(seven):
    noise = np.random.default_rng(7).integers(0, 256, (28, 28)).astype(np.uint8)  # ink up to every border
    return {"seven": seven, "noise": noise}


@pytest.fixture(scope="module", params=["seven", "noise"])
def case(request, client, published, seven):
    """(pixels, reference results, the API's trace) for one input."""
    layers, weights = published
    digit = inputs(seven)[request.param]
    pixels = pixels_of(digit)
    reference = forward_reference(layers, weights, digit.astype(np.float64)[None] / 255)
    response = client.post("/api/predict", json={"pixels": pixels})
    assert response.status_code == 200
    trace = {l["name"]: l for l in response.json()["layers"]}
    return pixels, reference, trace


def explain(client, pixels, layer, **unit):
    response = client.post("/api/explain", json={"pixels": pixels, "layer": layer, **unit})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "mnist" and body["layer"] == layer
    return body


def map_units(shape):
    c, h, w = shape
    points = [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (h // 2, w // 2), (1, w // 3), (h - 2, 2)]
    return [(ch, y, x) for ch in (0, c - 1) for y, x in points]


def layer_info(published, name):
    return next(l for l in published[0] if l["name"] == name)


def below_name(published, name):
    names = [l["name"] for l in published[0]]
    i = names.index(name)
    return "input" if i == 0 else names[i - 1]


@pytest.mark.parametrize("name", ["conv1", "conv2"])
def test_explain_conv_unit_equals_patch_times_kernel_plus_bias(client, published, case, name):
    pixels, reference, trace = case
    info = layer_info(published, name)
    below = reference[below_name(published, name)][1]
    w, b = published[1][name]
    k, s, p = info["kernel"], info["stride"], info["padding"]
    padded = np.pad(below, ((0, 0), (p, p), (p, p)))
    inside = np.pad(np.ones(below.shape[1:]), p) == 1
    for f, y, x in map_units(info["output_shape"]):
        body = explain(client, pixels, name, channel=f, y=y, x=x)
        assert body["kind"] == "conv" and body["unit"] == {"channel": f, "y": y, "x": x}
        assert body["input_layer"] == below_name(published, name)
        assert body["origin"] == [y * s - p, x * s - p]
        assert (body["stride"], body["padding"], body["activation"]) == (s, p, info["activation"])
        # The patch is the layer below at the receptive-field position, zeros in the padding.
        window = np.s_[y * s : y * s + k, x * s : x * s + k]
        patch = decode(body["patch"])
        np.testing.assert_allclose(patch, padded[(slice(None), *window)], **CLOSE)
        np.testing.assert_array_equal(decode(body["in_padding"]), ~inside[window])
        assert not patch[:, ~inside[window]].any()
        kernel = decode(body["kernel"])
        np.testing.assert_array_equal(kernel, w[f])
        np.testing.assert_allclose(decode(body["products"]), patch * kernel, **CLOSE)
        # The arithmetic, from the independent patch and the published weights.
        total = float((padded[(slice(None), *window)] * w[f]).sum())
        assert body["sum"] == pytest.approx(total, rel=1e-4, abs=1e-5)
        assert body["bias"] == pytest.approx(b[f], rel=1e-6)
        assert body["weighted_input"] == pytest.approx(total + b[f], rel=1e-4, abs=1e-5)
        assert body["output"] == pytest.approx(activate(total + b[f], info["activation"]), rel=1e-4, abs=1e-5)
        # ... equals what the forward pass computed for that unit, and what the trace shows.
        _, a = reference[name]
        assert body["output"] == pytest.approx(a[f, y, x], rel=1e-4, abs=1e-5)
        np.testing.assert_allclose(decode(trace[name]["output"])[f, y, x], body["output"], **FLOAT16)
        np.testing.assert_allclose(decode(trace[name]["weighted_input"])[f, y, x], body["weighted_input"], **FLOAT16)


@pytest.mark.parametrize("name", ["pool1", "pool2"])
def test_explain_maxpool_unit_is_the_window_maximum(client, published, case, name):
    pixels, reference, trace = case
    info = layer_info(published, name)
    below = reference[below_name(published, name)][1]
    k, s = info["kernel"], info["stride"]
    argmax = decode(trace[name]["argmax"])
    for ch, y, x in map_units(info["output_shape"]):
        body = explain(client, pixels, name, channel=ch, y=y, x=x)
        assert body["kind"] == "maxpool" and body["input_layer"] == below_name(published, name)
        assert body["origin"] == [y * s, x * s]
        expected = below[ch, y * s : y * s + k, x * s : x * s + k]
        window = decode(body["window"])
        np.testing.assert_allclose(window, expected, **CLOSE)
        assert body["output"] == pytest.approx(expected.max(), rel=1e-5, abs=1e-6)
        wy, wx = body["winner"]
        assert y * s <= wy < y * s + k and x * s <= wx < x * s + k
        assert window[wy - y * s, wx - x * s] == window.max()
        # The trace's winner index (ky * K + kx) points at the maximum too (ties: any of them).
        ky, kx = divmod(int(argmax[ch, y, x]), k)
        assert window[ky, kx] == window.max()
        np.testing.assert_allclose(decode(trace[name]["output"])[ch, y, x], body["output"], **FLOAT16)


@pytest.mark.parametrize("index", [0, 1, 24, 25, 199, 333, 399])
def test_explain_flatten_unit_names_its_source_in_the_map_below(client, published, case, index):
    pixels, reference, trace = case
    _, h, w = layer_info(published, "pool2")["output_shape"]
    body = explain(client, pixels, "flatten", index=index)
    source = {"channel": index // (h * w), "y": (index // w) % h, "x": index % w}  # docs/api.md
    assert body["kind"] == "flatten" and body["input_layer"] == "pool2"
    assert body["source"] == source
    assert body["output"] == pytest.approx(
        reference["pool2"][1][source["channel"], source["y"], source["x"]], rel=1e-5, abs=1e-6
    )
    below = decode(trace[trace["flatten"]["same_as"]]["output"]).reshape(-1)  # flatten travels as pool2
    np.testing.assert_allclose(below[index], body["output"], **FLOAT16)


@pytest.mark.parametrize(
    "name, index", [("fc1", 0), ("fc1", 119), ("fc1", 57), ("fc2", 0), ("fc2", 83), ("fc3", 0), ("fc3", 7), ("fc3", 9)]
)
def test_explain_dense_unit_is_the_dot_product_plus_bias(client, published, case, name, index):
    pixels, reference, trace = case
    info = layer_info(published, name)
    source = below_name(published, name)
    below = reference[source][1]
    w, b = published[1][name]
    body = explain(client, pixels, name, index=index)
    assert body["kind"] == "dense" and body["input_layer"] == source and body["unit"] == {"index": index}
    assert body["activation"] == info["activation"] and body["n_inputs"] == below.size
    np.testing.assert_allclose(decode(body["inputs"]), below, **CLOSE)
    np.testing.assert_array_equal(decode(body["weights"]), w[:, index])
    products = below * w[:, index]
    assert body["sum"] == pytest.approx(products.sum(), rel=1e-4, abs=1e-5)
    assert body["bias"] == pytest.approx(b[index], rel=1e-6)
    assert body["weighted_input"] == pytest.approx(products.sum() + b[index], rel=1e-4, abs=1e-5)
    assert body["output"] == pytest.approx(activate(products.sum() + b[index], info["activation"]), rel=1e-4, abs=1e-5)
    # The ten largest contributions, by magnitude, largest first.
    top = body["top"]
    assert len(top) == 10
    magnitudes = [abs(t["product"]) for t in top]
    assert magnitudes == sorted(magnitudes, reverse=True)
    np.testing.assert_allclose(magnitudes, np.sort(np.abs(products))[::-1][:10], rtol=1e-4, atol=1e-6)
    for t in top:
        assert t["input"] == pytest.approx(below[t["index"]], rel=1e-4, abs=1e-6)
        assert t["weight"] == pytest.approx(w[t["index"], index], rel=1e-6)
        assert t["product"] == pytest.approx(t["input"] * t["weight"], rel=1e-4, abs=1e-9)
    np.testing.assert_allclose(decode(trace[name]["output"])[index], body["output"], **FLOAT16)
    np.testing.assert_allclose(decode(trace[name]["weighted_input"])[index], body["weighted_input"], **FLOAT16)


@pytest.mark.parametrize("index", [0, 3, 7, 9])
def test_explain_softmax_unit_is_exp_over_sum_of_exps(client, published, case, index):
    pixels, reference, trace = case
    logits = reference["fc3"][1]
    body = explain(client, pixels, "softmax", index=index)
    assert body["kind"] == "softmax"
    np.testing.assert_allclose(body["logits"], logits, **CLOSE)
    assert body["max_logit"] == pytest.approx(logits.max(), rel=1e-5)
    exps = np.exp(logits - logits.max())
    np.testing.assert_allclose(body["exps"], exps, rtol=1e-4, atol=1e-9)
    assert body["sum_exps"] == pytest.approx(exps.sum(), rel=1e-4)
    probabilities = exps / exps.sum()
    np.testing.assert_allclose(body["probabilities"], probabilities, rtol=1e-4, atol=1e-9)
    assert body["output"] == pytest.approx(probabilities[index], rel=1e-4, abs=1e-9)
    assert body["probabilities"][index] == body["output"]
    assert sum(body["probabilities"]) == pytest.approx(1, rel=1e-5)
    np.testing.assert_allclose(decode(trace["softmax"]["output"])[index], body["output"], **FLOAT16)


def test_explain_uses_float32_tensors(client, seven):
    body = explain(client, pixels_of(seven), "conv2", channel=3, y=4, x=5)
    for key in ("patch", "kernel", "products"):
        assert body[key]["dtype"] == "float32" and body[key]["shape"] == [6, 5, 5]
    assert body["in_padding"]["dtype"] == "uint8" and body["in_padding"]["shape"] == [5, 5]
