"""A colour 3x32x32 network built from its spec: declared parameters, training in train mode,
the weights file, and refusal of an unknown kind when an architecture is loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.nn import weights
from app.nn.architecture import COLOUR32, Architecture
from app.nn.network import Network
from app.nn.optim import Adam


def test_colour_network_shapes_follow_the_spec():
    shapes = dict(zip([s.name for s in COLOUR32.layers], COLOUR32.output_shapes()))
    assert shapes["conv1"] == (8, 32, 32)
    assert shapes["pool1"] == (8, 16, 16)  # 1 + (32 + 2*1 - 3) // 2
    assert shapes["gap"] == (16,)
    assert shapes["softmax"] == (10,)


def test_parameters_are_initialised_and_decayed_as_their_layers_declare():
    net = Network.initialise(COLOUR32, seed=0)
    np.testing.assert_array_equal(net.params["bn1.gamma"], 1)
    np.testing.assert_array_equal(net.params["bn1.running_var"], 1)
    np.testing.assert_array_equal(net.params["bn1.beta"], 0)
    assert net.params["conv1.w"].std() == pytest.approx(np.sqrt(2 / 27), rel=0.15)  # He: fan_in 3*3*3
    assert net.decayed_keys() == {"conv1.w", "conv2.w", "fc.w"}
    assert "bn1.running_mean" not in net.trainable_keys()


def test_a_few_training_steps_on_random_data_lower_the_loss():
    rng = np.random.default_rng(0)
    x = rng.random((8, 3, 32, 32), dtype=np.float32)
    labels = rng.integers(0, 10, 8)
    net = Network.initialise(COLOUR32, seed=1)
    opt = Adam(net.params, lr=0.01, weight_decay=1e-4, decay=net.decayed_keys())
    losses = []
    for _ in range(12):
        loss, grads, _ = net.loss_and_grads(x, labels, mode="train")
        assert set(grads) == net.trainable_keys()
        opt.step(grads)
        losses.append(loss)
    assert np.mean(losses[-3:]) < 0.75 * losses[0]
    assert not np.allclose(net.params["bn1.running_mean"], 0)  # training moved the running averages
    # At inference the answer for one image does not depend on the rest of its batch.
    alone = net.forward(x[:1], mode="infer")
    together = net.forward(x, mode="infer")[:1]
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)


def test_weights_file_keeps_every_kind_and_its_running_averages(tmp_path):
    net = Network.initialise(COLOUR32, seed=2)
    net.params["bn2.running_mean"][:] = np.arange(16)
    path = tmp_path / "colour.npz"
    weights.save(path, net, {"dataset": "random"})
    loaded, _ = weights.load(path)
    assert loaded.architecture == COLOUR32
    np.testing.assert_array_equal(loaded.params["bn2.running_mean"], np.arange(16))
    x = np.random.default_rng(3).random((2, 3, 32, 32), dtype=np.float32)
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


def test_loading_an_architecture_with_an_unknown_kind_names_it(tmp_path):
    data = COLOUR32.to_dict()
    data["layers"][3]["kind"] = "swish"
    with pytest.raises(ValueError, match="'swish'"):
        Architecture.from_dict(data)
    net = Network.initialise(COLOUR32, seed=0)
    path = tmp_path / "bad.npz"
    np.savez(path, architecture=np.array(json.dumps(data)), metadata=np.array("{}"), **net.params)
    with pytest.raises(weights.WeightsError, match="'swish'"):
        weights.load(path)


def test_an_attribute_no_kind_knows_is_refused():
    data = COLOUR32.to_dict()
    data["layers"][1]["groups"] = 2
    with pytest.raises(ValueError, match="groups"):
        Architecture.from_dict(data)


@pytest.mark.parametrize(
    "attribute, value",
    [("channels", 3.5), ("kernel", "3"), ("stride", True), ("rate", "half"), ("mean", 5), ("kind", ["conv"]),
     ("dilation", 0), ("eps", float("nan"))],
)
def test_a_spec_read_from_a_file_with_values_of_the_wrong_type_is_refused(attribute, value):
    data = COLOUR32.to_dict()
    target = {"channels": 1, "kernel": 1, "stride": 1, "dilation": 1, "rate": 8, "mean": 0, "kind": 1, "eps": 2}[attribute]
    data["layers"][target][attribute] = value
    with pytest.raises((ValueError, TypeError)):
        Architecture.from_dict(data)
