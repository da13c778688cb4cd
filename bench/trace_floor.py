"""How fast can a NumPy trace of LeNet-5 be? Two measures of the floor, for bench_onnx.py.

``straight_trace(net)`` returns a function that traces one image through the shipped LeNet-5
(conv 5x5 pad 2, 2x2 max pool, conv 5x5, 2x2 max pool, three dense layers, softmax) with the
fewest NumPy calls we know, written straight for those shapes: every buffer made once, no layer
objects, no checks, no loop over layers, the softmax of ten numbers in plain Python. It returns
what the engine's trace returns (each layer's output, the weighted inputs, the max-pool winners),
and ``check`` compares it with the engine's trace. It is what the engine's one-image path would
be if it knew nothing but this network.

``calls_only(net)`` makes the same sequence of NumPy calls on arrays of one element each: the
time of the calls themselves, without their arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

F32 = np.float32
FIRST_OF_FOUR = np.arange(3, -1, -1, dtype=np.uint8).reshape(4, 1)  # the weights 3, 2, 1, 0


def _conv_buffers(c, h, w, f, k, pad):
    """A stride-1 convolution's buffers, as app/nn/conv.SingleConv keeps them (full-width patches)."""
    hp, wp = h + 2 * pad, w + 2 * pad
    ho, wo = hp - k + 1, wp - k + 1
    cells = (ho - 1) * wp + wo
    padded = np.zeros((c, hp, wp), F32)
    middle = padded[:, pad : pad + h, pad : pad + w]
    s = padded.itemsize
    taps = np.ndarray((c, k, k, cells), F32, buffer=padded, strides=(hp * wp * s, wp * s, s, s))
    cols = np.empty((c * k * k, cells), F32)
    product = np.empty((f, cells), F32)
    wanted = np.ndarray((f, ho, wo), F32, buffer=product, strides=(cells * s, wp * s, s))
    return middle, taps, cols, cols.reshape(c, k, k, cells), product, wanted


def straight_trace(net):
    """A one-image trace of the shipped LeNet-5's shapes in the fewest NumPy calls we know."""
    p = net.params
    w1, b1, w2, b2 = p["conv1.w"], p["conv1.b"], p["conv2.w"], p["conv2.b"]
    fc = [(p[f"fc{i}.w"], p[f"fc{i}.b"]) for i in (1, 2, 3)]
    conv1, conv2 = _conv_buffers(1, 28, 28, 6, 5, 2), _conv_buffers(6, 14, 14, 16, 5, 0)
    zeros = {shape: np.zeros(shape, F32) for shape in [(6, 28, 28), (16, 10, 10), (120,), (84,)]}

    def conv(buffers, x, w, b):
        middle, taps, cols, cols_taps, product, wanted = buffers
        np.copyto(middle, x)
        np.copyto(cols_taps, taps)
        np.dot(w.reshape(w.shape[0], -1), cols, out=product)
        z = np.add(wanted, b.reshape(-1, 1, 1))
        return np.maximum(z, zeros[z.shape]), z

    def pool(a):
        c, h, w = a.shape
        cand = a.reshape(c, h // 2, 2, w // 2, 2).transpose(2, 4, 0, 1, 3).reshape(4, -1)
        out = np.maximum.reduce(cand, axis=0)
        winner = 3 - np.maximum.reduce((cand == out) * FIRST_OF_FOUR, axis=0)
        return out.reshape(c, h // 2, w // 2), winner.reshape(c, h // 2, w // 2)

    def dense(a, w, b, relu):
        z = np.dot(a, w)
        z += b
        return (np.maximum(z, zeros[z.shape]) if relu else z), z

    def softmax(z):
        v = z.tolist()
        top = max(v)
        e = [math.exp(t - top) for t in v]
        total = sum(e)
        return np.array([t / total for t in e], F32)

    def trace(x):
        a1, z1 = conv(conv1, x, w1, b1)
        p1, i1 = pool(a1)
        a2, z2 = conv(conv2, p1, w2, b2)
        p2, i2 = pool(a2)
        flat = p2.reshape(-1)
        a3, z3 = dense(flat, *fc[0], True)
        a4, z4 = dense(a3, *fc[1], True)
        z5, _ = dense(a4, *fc[2], False)
        return [(a1, z1, None), (p1, None, i1), (a2, z2, None), (p2, None, i2), (flat, None, None),
                (a3, z3, None), (a4, z4, None), (z5, z5, None), (softmax(z5), None, None)]

    return trace


def check(net, x) -> float:
    """The largest difference between the straight trace and the engine's, over every output;
    raises if a max-pool winner differs."""
    worst = 0.0
    for (out, z, winner), layer in zip(straight_trace(net)(x), net.trace(x), strict=True):
        worst = max(worst, float(np.abs(out - layer.output).max()))
        if z is not None:
            worst = max(worst, float(np.abs(z - layer.weighted_input).max()))
        if winner is not None and not np.array_equal(winner, layer.argmax):
            raise AssertionError(f"{layer.name}: the straight trace's max-pool winners differ")
    return worst


def calls_only(net):
    """The straight trace's sequence of NumPy calls, each on one-element arrays."""
    one = np.ones((1, 1, 1), F32)
    flat1, col = np.ones(1, F32), np.ones((1, 1), F32)
    out = np.empty((1, 1), F32)
    weight = np.ones((1, 1), np.uint8)

    def conv():
        np.copyto(one, one)
        np.copyto(col, col)
        np.dot(col, col, out=out)
        z = np.add(one, one)
        return np.maximum(z, one)

    def pool():
        cand = one.reshape(1, 1).transpose(1, 0).reshape(1, -1).copy()
        m = np.maximum.reduce(cand, axis=0)
        return 3 - np.maximum.reduce((cand == m) * weight, axis=0)

    def dense(relu):
        z = np.dot(flat1, col)
        z += flat1
        return np.maximum(z, flat1) if relu else z

    def trace(_x):
        conv(), pool(), conv(), pool(), one.reshape(-1)
        dense(True), dense(True)
        z = dense(False)
        v = z.tolist()
        return np.array([math.exp(t - max(v)) for t in v], F32)

    return trace
