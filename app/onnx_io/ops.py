"""One reader per ONNX operation a chain may hold: each checks the node's attributes against
what our layer kinds can express (refusing, with the reason, what they cannot) and appends
the layer, with its parameters and the node it came from.

A reader gets the node, its label, the chain so far, its attributes and the constant value
of each input (None for the data input).
"""

from __future__ import annotations

import numpy as np


class Refused(ValueError):
    """The node's attributes ask for something our layers do not do; the message says what."""


def _pair(values, what: str) -> int:
    values = [int(v) for v in values]
    if len(set(values)) != 1:
        raise Refused(f"{what} {values} differ between height and width; only square ones are supported")
    return values[0]


def _padding(attrs: dict, kernel: int, stride: int, dilation: int) -> int:
    """One padding for every side, from pads or auto_pad; asymmetric padding is refused."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "VALID":
        return 0
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        span = dilation * (kernel - 1)
        if stride != 1 or span % 2:
            raise Refused(f"auto_pad {auto} with stride {stride} pads unevenly; export with explicit pads")
        return span // 2
    if auto != "NOTSET":
        raise Refused(f"auto_pad {auto} is not supported")
    pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
    if len(set(pads)) != 1:
        raise Refused(f"pads {pads} are not the same on every side (asymmetric padding is not supported)")
    return pads[0]


def _maps(chain, what: str):
    if chain.vector or len(chain.shape) != 3:
        raise Refused(f"{what} needs maps (C, H, W), but its input is {list(chain.shape)}")
    return chain.shape


def _out_side(side: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    return 1 + (side + 2 * pad - dilation * (kernel - 1) - 1) // stride


def _f32(value) -> np.ndarray:
    return np.ascontiguousarray(value, dtype=np.float32)


def read_conv(node, label, chain, attrs, consts):
    c, h, w = _maps(chain, "Conv")
    weight = consts[1]
    if weight is None or weight.ndim != 4:
        raise Refused("its weights are not a constant (F, C, KH, KW) tensor")
    if int(attrs.get("group", 1)) != 1:
        raise Refused(f"group {attrs['group']} (grouped or depthwise convolution) is not supported")
    f, c_in, kh, kw = weight.shape
    if c_in != c:
        raise Refused(f"its weights expect {c_in} channels, its input has {c}")
    kernel = _pair([kh, kw], "kernel sizes")
    stride = _pair(attrs.get("strides", [1, 1]), "strides")
    dilation = _pair(attrs.get("dilations", [1, 1]), "dilations")
    pad = _padding(attrs, kernel, stride, dilation)
    bias = consts[2] if len(consts) > 2 and consts[2] is not None else np.zeros(f, np.float32)
    layer = {"kind": "conv", "channels": int(f), "kernel": kernel, "stride": stride, "padding": pad,
             "dilation": dilation, "params": {"w": _f32(weight), "b": _f32(bias).reshape(f)}, "source": label}
    shape = (f, _out_side(h, kernel, stride, pad, dilation), _out_side(w, kernel, stride, pad, dilation))
    chain.add(layer, node.output[0], shape)


def _read_pool(kind, op):
    def read(node, label, chain, attrs, consts):
        c, h, w = _maps(chain, op)
        kernel = _pair(attrs.get("kernel_shape", []) or [0, 1], "kernel sizes")
        stride = _pair(attrs.get("strides", [1, 1]), "strides")
        if int(attrs.get("ceil_mode", 0)):
            raise Refused("ceil_mode 1 is not supported (our pooling rounds the output size down)")
        if any(int(d) != 1 for d in attrs.get("dilations", [1, 1])):
            raise Refused("pooling with dilations is not supported")
        if int(attrs.get("storage_order", 0)):
            raise Refused("storage_order 1 is not supported")
        pad = _padding(attrs, kernel, stride, 1)
        if pad > kernel // 2:
            raise Refused(f"padding {pad} is more than half the kernel {kernel}")
        if op == "AveragePool" and pad and not int(attrs.get("count_include_pad", 0)):
            raise Refused("count_include_pad 0 with padding is not supported (our average counts padded cells)")
        layer = {"kind": kind, "kernel": kernel, "stride": stride, "padding": pad, "source": label}
        chain.add(layer, node.output[0], (c, _out_side(h, kernel, stride, pad), _out_side(w, kernel, stride, pad)))

    return read


def read_global_pool(node, label, chain, attrs, consts):
    c, _, _ = _maps(chain, "GlobalAveragePool")
    chain.add({"kind": "globalavgpool", "source": label}, node.output[0], (c, 1, 1))
    chain.vector = True


def read_reduce_mean(node, label, chain, attrs, consts):
    c, _, _ = _maps(chain, "ReduceMean")
    axes = attrs.get("axes") if len(consts) < 2 or consts[1] is None else consts[1].tolist()
    if axes is None or sorted(int(a) % 4 for a in axes) != [2, 3]:
        raise Refused(f"a mean over axes {axes}; only the mean over height and width (a global average pool) is supported")
    keep = int(attrs.get("keepdims", 1))
    chain.add({"kind": "globalavgpool", "source": label}, node.output[0], (c, 1, 1) if keep else (c,))
    chain.vector = True


def read_batchnorm(node, label, chain, attrs, consts):
    if int(attrs.get("training_mode", 0)) or any(o for o in node.output[1:]):
        raise Refused("batch norm in training mode is not supported; export the model in eval mode")
    c = chain.shape[0]
    scale, bias, mean, var = (consts[i] for i in range(1, 5))
    if any(v is None or v.size != c for v in (scale, bias, mean, var)):
        raise Refused(f"its scale, bias, mean and variance must be constants of {c} values")
    momentum = 1.0 - float(attrs.get("momentum", 0.9))  # ONNX weighs the old average, we the new batch
    layer = {"kind": "batchnorm", "eps": float(attrs.get("epsilon", 1e-5)), "momentum": momentum,
             "params": {"gamma": _f32(scale), "beta": _f32(bias), "running_mean": _f32(mean),
                        "running_var": _f32(var)}, "source": label}
    chain.add(layer, node.output[0], chain.shape)


def read_dropout(node, label, chain, attrs, consts):
    training = consts[2] if len(consts) > 2 else None  # opset 12+: training_mode, a constant boolean
    if training is not None and bool(np.asarray(training).any()):
        raise Refused("dropout in training mode (it would drop units at random); export the model in eval mode")
    rate = float(consts[1]) if len(consts) > 1 and consts[1] is not None else float(attrs.get("ratio", 0.5))
    chain.add({"kind": "dropout", "rate": rate, "source": label}, node.output[0], chain.shape)


def _activation(kind):
    def read(node, label, chain, attrs, consts):
        layer = {"kind": kind, "source": label}
        if kind == "leaky_relu":
            layer["slope"] = float(attrs.get("alpha", 0.01))
        chain.add(layer, node.output[0], chain.shape)

    return read


def _to_vector(node, label, chain):
    """Flatten (or a Reshape/Squeeze that flattens): a layer for maps, nothing after global pooling."""
    size = int(np.prod(chain.shape))
    if chain.vector:
        chain.advance(node.output[0], (size,))
        chain.vector = True
        return
    if len(chain.shape) == 1:
        chain.advance(node.output[0], chain.shape)
        return
    chain.add({"kind": "flatten", "source": label}, node.output[0], (size,))
    chain.vector = True


def read_flatten(node, label, chain, attrs, consts):
    if int(attrs.get("axis", 1)) != 1:
        raise Refused(f"flatten from axis {attrs['axis']}; only axis 1 (keep the batch) is supported")
    _to_vector(node, label, chain)


def read_reshape(node, label, chain, attrs, consts):
    target = consts[1]
    size = int(np.prod(chain.shape))
    if target is None:
        raise Refused("its target shape is not a constant")
    target = [int(t) for t in np.asarray(target).ravel()]
    if len(target) != 2 or target[0] not in (-1, 0, 1) or target[1] not in (-1, size) or target == [-1, -1]:
        raise Refused(f"reshape to {target} from {list(chain.shape)}; only flattening to (N, {size}) is supported")
    _to_vector(node, label, chain)


def read_squeeze(node, label, chain, attrs, consts):
    if not chain.vector:
        raise Refused("squeeze is only supported after global average pooling")
    _to_vector(node, label, chain)


def _dense_input(chain, op) -> int:
    if len(chain.shape) != 1:
        raise Refused(f"{op} needs a vector per image, but its input is {list(chain.shape)}; flatten first")
    return chain.shape[0]


def read_gemm(node, label, chain, attrs, consts):
    d_in = _dense_input(chain, "Gemm")
    if int(attrs.get("transA", 0)):
        raise Refused("transA 1 is not supported")
    weight = consts[1]
    if weight is None or weight.ndim != 2:
        raise Refused("its weights are not a constant matrix")
    w = weight.T if int(attrs.get("transB", 0)) else weight  # (D_in, D_out)
    if w.shape[0] != d_in:
        raise Refused(f"its weights expect {w.shape[0]} inputs, its input has {d_in}")
    d_out = w.shape[1]
    bias = np.zeros(d_out) if len(consts) < 3 or consts[2] is None else np.broadcast_to(consts[2], (d_out,))
    w = w * float(attrs.get("alpha", 1.0))
    bias = bias * float(attrs.get("beta", 1.0))
    layer = {"kind": "dense", "channels": int(d_out), "params": {"w": _f32(w), "b": _f32(bias)}, "source": label}
    chain.add(layer, node.output[0], (d_out,))


def read_matmul(node, label, chain, attrs, consts):
    d_in = _dense_input(chain, "MatMul")
    weight = consts[1]
    if weight is None or weight.ndim != 2 or weight.shape[0] != d_in:
        raise Refused(f"its second input must be a constant ({d_in}, D) matrix")
    layer = {"kind": "dense", "channels": int(weight.shape[1]),
             "params": {"w": _f32(weight), "b": np.zeros(weight.shape[1], np.float32)}, "source": label}
    chain.add(layer, node.output[0], (weight.shape[1],))
    chain.open_bias = True


def read_add(node, label, chain, attrs, consts):
    bias = next((c for c in consts if c is not None), None)
    if not chain.open_bias or bias is None:
        raise Refused("an addition that is not the bias of a MatMul just before it is not supported")
    layer = chain.layers[-1]
    try:
        layer["params"]["b"] = _f32(layer["params"]["b"] + np.broadcast_to(bias, layer["params"]["b"].shape))
    except ValueError:
        raise Refused(f"a bias of shape {list(bias.shape)} does not fit {layer['channels']} units") from None
    layer["source"] = label  # the layer's output is now this node's
    chain.advance(node.output[0], chain.shape)


def _softmax(node, label, chain, attrs, consts):
    if len(chain.shape) != 1:
        raise Refused(f"softmax over {list(chain.shape)}; only over a vector of class scores is supported")
    if int(attrs.get("axis", -1)) not in (-1, 1):
        raise Refused(f"softmax over axis {attrs['axis']} is not supported")
    chain.add({"kind": "softmax", "source": label, "log": node.op_type == "LogSoftmax"}, node.output[0], chain.shape)


def _channel_constants(value, chain, what) -> tuple[float, ...]:
    c = chain.shape[0]
    if value is None or value.size not in (1, c) or (value.ndim > 1 and value.shape[-2:] not in ((1, 1), ())):
        raise Refused(f"{what} of the input must be a constant per channel ({c} values)")
    return tuple(float(v) for v in np.broadcast_to(value.ravel(), (c,)))


def read_sub(node, label, chain, attrs, consts):
    """Sub then Div by constants per channel, first thing on the input: a normalize layer."""
    if chain.layers or len(chain.shape) != 3 or consts[1] is None:
        raise Refused("a subtraction is only supported as the first step (subtracting a mean per channel)")
    chain.pending_mean = _channel_constants(consts[1], chain, "the subtracted mean")
    chain.advance(node.output[0], chain.shape)


def read_div(node, label, chain, attrs, consts):
    mean = getattr(chain, "pending_mean", None)
    if chain.layers or consts[1] is None:
        raise Refused("a division is only supported as the first step (dividing by a deviation per channel)")
    std = _channel_constants(consts[1], chain, "the divisor")
    if min(std) <= 0:
        raise Refused("a normalisation divides by a positive deviation per channel")
    chain.pending_mean = None
    chain.add({"kind": "normalize", "mean": mean or (0.0,) * len(std), "std": std, "source": label},
              node.output[0], chain.shape)


def read_identity(node, label, chain, attrs, consts):
    chain.data_shapes[node.output[0]] = chain.shape
    chain.current = node.output[0]


READERS = {
    "Conv": read_conv,
    "MaxPool": _read_pool("maxpool", "MaxPool"),
    "AveragePool": _read_pool("avgpool", "AveragePool"),
    "GlobalAveragePool": read_global_pool,
    "ReduceMean": read_reduce_mean,
    "BatchNormalization": read_batchnorm,
    "Dropout": read_dropout,
    "Relu": _activation("relu"),
    "LeakyRelu": _activation("leaky_relu"),
    "Tanh": _activation("tanh"),
    "Sigmoid": _activation("sigmoid"),
    "Flatten": read_flatten,
    "Reshape": read_reshape,
    "Squeeze": read_squeeze,
    "Gemm": read_gemm,
    "MatMul": read_matmul,
    "Add": read_add,
    "Softmax": _softmax,
    "LogSoftmax": _softmax,
    "Identity": read_identity,
    "Sub": read_sub,
    "Div": read_div,
}
