"""/api/convolve against a loop written out by hand, for random sizes and settings, grey and colour."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tensors import decode


def loop_convolve(x, kernel, stride, pad, dilation):
    """out[y, x] = sum over c, ky, kx of xpad[c, y*S + ky*D, x*S + kx*D] * kernel[c, ky, kx]."""
    c, h, w = x.shape
    k = kernel.shape[-1]
    span = dilation * (k - 1) + 1
    xp = np.zeros((c, h + 2 * pad, w + 2 * pad))
    xp[:, pad:pad + h, pad:pad + w] = x
    ho, wo = (h + 2 * pad - span) // stride + 1, (w + 2 * pad - span) // stride + 1
    out = np.zeros((ho, wo))
    for y in range(ho):
        for x_ in range(wo):
            for ch in range(c):
                for ky in range(k):
                    for kx in range(k):
                        out[y, x_] += xp[ch, y * stride + ky * dilation, x_ * stride + kx * dilation] * kernel[ch, ky, kx]
    return out


def random_case(rng, colour):
    while True:
        k = int(rng.choice([1, 3, 5, 7]))
        s, d, p = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, k))
        span = d * (k - 1) + 1
        h = int(rng.integers(max(span - 2 * p, 1), 30))
        w = int(rng.integers(max(span - 2 * p, 1), 30))
        # make the stride fit: round each side up to the next size it fits
        h += (-(h + 2 * p - span)) % s
        w += (-(w + 2 * p - span)) % s
        if h <= 128 and w <= 128:
            return k, s, d, p, h, w


@pytest.mark.parametrize("colour", [False, True])
def test_convolve_matches_a_loop_for_random_settings(client, colour):
    rng = np.random.default_rng(7 + colour)
    for _ in range(8):
        k, s, d, p, h, w = random_case(rng, colour)
        c = 3 if colour else 1
        x = rng.random((c, h, w))
        kernel = rng.normal(size=(c, k, k)) if colour else rng.normal(size=(k, k))
        flip = bool(rng.integers(0, 2))
        body = {"pixels": x.tolist() if colour else x[0].tolist(), "colour": colour, "kernel": kernel.tolist(),
                "stride": s, "padding": p, "dilation": d, "flip": flip}
        r = client.post("/api/convolve", json=body)
        assert r.status_code == 200, r.text
        got = r.json()
        x32 = np.round(x.astype(np.float32), 7)
        full = np.broadcast_to(kernel, (c, k, k)).astype(np.float32)
        used = full[:, ::-1, ::-1] if flip else full  # true convolution is correlation with the flipped kernel
        expected = loop_convolve(x32.astype(np.float64), used.astype(np.float64), s, p, d)
        np.testing.assert_allclose(decode(got["output"]), expected, rtol=1e-4, atol=1e-4)
        assert got["formula"] == {"H": h, "W": w, "F": k, "P": p, "S": s, "D": d, "span": d * (k - 1) + 1,
                                  "out": list(expected.shape)}


def test_flip_is_true_convolution_by_hand(client):
    # An impulse convolved (truly) with a kernel draws the kernel itself; correlated, the kernel turned round.
    x = np.zeros((5, 5))
    x[2, 2] = 1
    kernel = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    r = client.post("/api/convolve", json={"pixels": x.tolist(), "kernel": kernel, "flip": True})
    np.testing.assert_array_equal(decode(r.json()["output"]), np.array(kernel, np.float32))
    r = client.post("/api/convolve", json={"pixels": x.tolist(), "kernel": kernel})
    np.testing.assert_array_equal(decode(r.json()["output"]), np.array(kernel, np.float32)[::-1, ::-1])


def test_activation_and_pooling_by_hand(client):
    x = np.arange(25, dtype=float).reshape(5, 5) / 24
    body = {"pixels": x.tolist(), "kernel": [[-1.0]], "activation": "leaky_relu", "pool": {"kind": "sum", "size": 2, "stride": 2}}
    got = client.post("/api/convolve", json=body).json()
    act = np.where(-x > 0, -x, -x * 0.01)
    expected = np.array([[act[y:y + 2, c:c + 2].sum() for c in (0, 2)] for y in (0, 2)])  # the last row and column are dropped
    np.testing.assert_allclose(decode(got["activated"]), act, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(decode(got["pooled"]), expected, rtol=1e-5, atol=1e-7)
    for kind, fn in (("max", np.max), ("avg", np.mean)):
        body["pool"] = {"kind": kind, "size": 3, "stride": 1}
        pooled = decode(client.post("/api/convolve", json=body).json()["pooled"])
        assert pooled.shape == (3, 3)
        assert pooled[1, 2] == pytest.approx(fn(act[1:4, 2:5]), rel=1e-5)


@pytest.mark.parametrize("change,words", [
    ({"stride": 2}, "stride does not fit"),  # (6 - 3 + 0) / 2 is not whole
    ({"kernel": [[0.0] * 9] * 9}, "at most 7x7"),
    ({"padding": 3}, "padding must be from 0 to 2"),
    ({"stride": 5}, "stride must be from 1 to 4"),
    ({"dilation": 4}, "dilation must be from 1 to 3"),
    ({"pixels": [[0.5] * 129] * 2}, "at most 128x128"),
    ({"kernel": [[1.0] * 7] * 7, "pixels": [[0.5] * 6] * 6}, "spans 7 pixels"),
    ({"pixels": [[0.5, 2.0]] * 2}, "from 0 to 1"),
    ({"kernel": [[1, 2], [3]]}, "K x K"),
    ({"activation": "softplus"}, "activation"),
    ({"pool": {"kind": "median"}}, "pool"),
    ({"pixels": [[[0.5] * 6] * 6] * 3}, "H x W array"),
])
def test_convolve_refuses_with_the_reason(client, change, words):
    body = {"pixels": [[0.5] * 6] * 6, "kernel": [[0.0, 1.0, 0.0]] * 3, **change}
    r = client.post("/api/convolve", json=body)
    assert r.status_code == 422, r.text
    assert words.lower() in r.json()["detail"].lower()


def test_convolve_reads_a_colour_image(client):
    import base64
    import io

    from PIL import Image
    rgb = np.zeros((300, 200, 3), np.uint8)
    rgb[..., 0] = 255
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    got = client.post("/api/convolve", json={"image": url, "colour": True, "kernel": [[1.0]]}).json()
    x = decode(got["input"])
    assert x.shape == (3, 128, 85)  # fitted into 128 x 128, the aspect kept
    np.testing.assert_allclose(decode(got["output"]), x.sum(axis=0), atol=1e-6)  # 1x1 kernel on 3 channels: summed
    assert x[0].min() == 1 and x[1].max() == 0
