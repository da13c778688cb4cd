"""Receptive fields against gradients.

The pixels (and intermediate units) a unit depends on are those where its gradient is nonzero.
They must lie inside the computed box; for a linear stack with positive weights nothing cancels,
so they must fill the box exactly. Gradients come from backpropagating a one-hot dout through
the kernels (each of which test_kernels.py holds against its naive twin).
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn import functions as fn
from app.nn.architecture import AVGPOOL, CONV, DENSE, FLATTEN, LENET5, MAXPOOL, SOFTMAX
from app.nn.conv import conv2d_backward, conv2d_forward
from app.nn.network import Network
from app.nn.pool import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward
from app.nn.receptive import Region, receptive_field

from .archs import LINEAR


def forward_with_caches(architecture, p, x):
    """Outputs of every layer for x (1, C, H, W), with what each backward pass needs."""
    records, a = [], x
    for spec in architecture.layers:
        z = cache = None
        if spec.kind == CONV:
            z, cache = conv2d_forward(a, p[f"{spec.name}.w"], p[f"{spec.name}.b"], spec.stride, spec.padding)
        elif spec.kind == DENSE:
            z, cache = fn.dense_forward(a, p[f"{spec.name}.w"], p[f"{spec.name}.b"])
        if z is not None:
            out = z if spec.activation is None else fn.activation_forward(z, spec.activation)
        elif spec.kind == MAXPOOL:
            out, cache = maxpool_forward(a, spec.kernel, spec.stride)
        elif spec.kind == AVGPOOL:
            out, cache = avgpool_forward(a, spec.kernel, spec.stride)
        elif spec.kind == FLATTEN:
            out, cache = a.reshape(1, -1), a.shape  # (1, C*H*W)
        else:
            out = cache = fn.softmax_forward(a)
        records.append((spec, z, out, cache))
        a = out
    return records


def unit_gradients(records, layer_index, unit):
    """Gradient of one unit of layer ``layer_index`` with respect to the output of every layer
    below it and the input: {layer name or 'input': array without the batch axis}."""
    dout = np.zeros_like(records[layer_index][2])
    dout[(0, *unit)] = 1
    grads = {}
    for i in range(layer_index, -1, -1):
        spec, z, out, cache = records[i]
        if spec.kind in (CONV, DENSE):
            if spec.activation is not None:
                dout = fn.activation_backward(dout, z, out, spec.activation)
            backward = conv2d_backward if spec.kind == CONV else fn.dense_backward
            dout = backward(dout, cache)[0]
        elif spec.kind == MAXPOOL:
            dout = maxpool_backward(dout, cache)
        elif spec.kind == AVGPOOL:
            dout = avgpool_backward(dout, cache)
        elif spec.kind == FLATTEN:
            dout = dout.reshape(cache)
        elif spec.kind == SOFTMAX:
            dout = fn.softmax_backward(dout, cache)
        grads[records[i - 1][0].name if i > 0 else "input"] = dout[0]
    return grads


def box_mask(region: Region, shape):
    """Boolean mask of a region inside a layer of the given shape."""
    mask = np.zeros(shape, bool)
    if len(shape) == 3:
        mask[region.c0 : region.c1 + 1, region.y0 : region.y1 + 1, region.x0 : region.x1 + 1] = True
    else:
        assert region.y0 == region.y1 == region.x0 == region.x1 == 0
        mask[region.c0 : region.c1 + 1] = True
    return mask


def layer_shapes(architecture):
    """{'input' or layer name: that layer's output shape}."""
    names = ["input"] + [s.name for s in architecture.layers]
    return dict(zip(names, [tuple(architecture.input_shape)] + architecture.output_shapes()))


def all_units(shape):
    return list(np.ndindex(*shape))


def unit_args(unit):
    return (unit[0], unit[1], unit[2]) if len(unit) == 3 else (unit[0],)


@pytest.fixture(scope="module")
def linear_records():
    rng = np.random.default_rng(50)
    # Positive weights and inputs: no two paths to a unit can cancel.
    params = {k: rng.uniform(0.2, 1.0, shape) for k, shape in LINEAR.param_shapes().items()}
    return forward_with_caches(LINEAR, params, rng.uniform(0.5, 1.0, (1, *LINEAR.input_shape)))


@pytest.mark.parametrize("layer", [s.name for s in LINEAR.layers])
def test_linear_stack_nonzero_gradients_fill_the_receptive_box_exactly(linear_records, layer):
    index = LINEAR.index(layer)
    shapes = layer_shapes(LINEAR)
    for unit in all_units(LINEAR.output_shapes()[index]):
        regions = receptive_field(LINEAR, layer, *unit_args(unit))
        grads = unit_gradients(linear_records, index, unit)
        assert [r.layer for r in regions] == list(grads)  # nearest layer first, down to the input
        for region in regions:
            support = grads[region.layer] != 0
            np.testing.assert_array_equal(
                support, box_mask(region, shapes[region.layer]), err_msg=f"{layer} unit {unit} in {region.layer}"
            )


@pytest.fixture(scope="module")
def lenet_records():
    rng = np.random.default_rng(51)
    net = Network.initialise(LENET5, seed=6)
    for key in net.params:
        if key.endswith(".b"):
            net.params[key][:] = rng.uniform(0, 0.2, net.params[key].shape)  # keep most relus alive
    return forward_with_caches(LENET5, net.params, rng.uniform(0, 1, (1, 1, 28, 28)).astype(np.float32))


@pytest.mark.parametrize("layer", ["conv1", "pool1", "conv2", "pool2", "flatten", "fc1", "fc3"])
def test_lenet5_nonzero_gradients_lie_inside_the_receptive_box(lenet_records, layer):
    index = LENET5.index(layer)
    shapes = layer_shapes(LENET5)
    out = lenet_records[index][2][0]
    rng = np.random.default_rng(52)
    alive = np.argwhere(out > 0)  # units with a live relu above them, so the gradient is not all zero
    picked = [tuple(u) for u in alive[rng.choice(len(alive), min(6, len(alive)), replace=False)]]
    corners = [(0,) * out.ndim, tuple(d - 1 for d in out.shape)]
    for unit in picked + corners:
        regions = receptive_field(LENET5, layer, *unit_args(unit))
        grads = unit_gradients(lenet_records, index, unit)
        assert [r.layer for r in regions] == list(grads)
        if out[unit] > 0:
            assert np.any(grads["input"] != 0), f"{layer} unit {unit}: the check would be vacuous"
        for region in regions:
            outside = (grads[region.layer] != 0) & ~box_mask(region, shapes[region.layer])
            assert not outside.any(), f"{layer} unit {unit}: gradient outside its box in {region.layer}"


def test_lenet5_pool2_unit_receptive_field_by_hand():
    # pool2 (2, 2) <- conv2 rows 4..5 <- pool1 rows 4..9 <- conv1 rows 8..19 <- input rows 6..21.
    assert receptive_field(LENET5, "pool2", 3, 2, 2) == [
        Region("conv2", 3, 3, 4, 4, 5, 5),
        Region("pool1", 0, 5, 4, 4, 9, 9),
        Region("conv1", 0, 5, 8, 8, 19, 19),
        Region("input", 0, 0, 6, 6, 21, 21),
    ]
    # conv1 (0, 0) with padding 2 reads rows -2..2: clipped to 0..2.
    assert receptive_field(LENET5, "conv1", 0, 0, 0) == [Region("input", 0, 0, 0, 0, 2, 2)]


def test_receptive_field_rejects_a_unit_outside_the_layer():
    with pytest.raises(IndexError):
        receptive_field(LENET5, "pool1", 0, 14, 0)
    with pytest.raises(IndexError):
        receptive_field(LENET5, "fc1", 120)
