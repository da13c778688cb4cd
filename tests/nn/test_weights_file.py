"""The weights file: a save/load round trip, and refusal of files that are not weights files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.nn.architecture import LENET5
from app.nn.network import Network
from app.nn.weights import WeightsError, load, save

from .archs import TINY


@pytest.mark.parametrize("architecture", [LENET5, TINY], ids=["lenet5", "tiny"])
def test_save_then_load_gives_the_same_architecture_params_and_metadata(tmp_path, architecture):
    net = Network.initialise(architecture, seed=7)
    net.params[next(k for k in net.params if k.endswith(".b"))][:] = 0.25  # biases are not all zero
    metadata = {"dataset": "mnist", "test_accuracy": 0.991, "settings": {"epochs": 3}}
    path = tmp_path / "model.npz"
    save(path, net, metadata)
    loaded, loaded_metadata = load(path)
    assert loaded.architecture == architecture
    assert loaded_metadata == metadata
    assert set(loaded.params) == set(architecture.param_shapes())
    for key, value in net.params.items():
        np.testing.assert_array_equal(loaded.params[key], value)
        assert loaded.params[key].dtype == np.float32


def test_save_writes_exactly_the_named_path(tmp_path):
    path = tmp_path / "weights.bin"
    save(path, Network.initialise(TINY), {})
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()


def test_load_of_a_text_file_raises_weights_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are not weights\n")
    with pytest.raises(WeightsError, match="notes.txt"):
        load(path)


def test_load_of_a_plain_npy_array_raises_weights_error(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(WeightsError, match="not a cnnvis weights file"):
        load(path)


def test_load_of_an_npz_without_architecture_raises_weights_error(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, w=np.zeros(3))
    with pytest.raises(WeightsError, match="architecture"):
        load(path)


def test_load_of_params_that_do_not_fit_the_architecture_raises_weights_error(tmp_path):
    path = tmp_path / "mismatch.npz"
    params = {k: np.zeros(v.shape, np.float32) for k, v in Network.initialise(TINY).params.items()}
    params["fc3.w"] = np.zeros((5, 5), np.float32)
    arrays = {"architecture": np.array(json.dumps(TINY.to_dict())), "metadata": np.array("{}"), **params}
    np.savez(path, **arrays)
    with pytest.raises(WeightsError, match="fc3.w"):
        load(path)


def test_load_of_a_missing_file_raises_weights_error(tmp_path):
    with pytest.raises(WeightsError):
        load(tmp_path / "absent.npz")


def test_load_of_a_truncated_weights_file_raises_weights_error(tmp_path):
    path = tmp_path / "cut.npz"
    save(path, Network.initialise(TINY), {})
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(WeightsError, match="cut.npz"):
        load(path)
