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


def test_load_of_random_bytes_says_it_is_not_a_zip_archive(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(WeightsError) as caught:
        load(path)
    assert "not a zip archive" in str(caught.value) and "pickle" not in str(caught.value)


def write_weights(path, architecture, params, metadata="{}"):
    arrays = {"architecture": np.array(json.dumps(architecture.to_dict())), "metadata": np.array(metadata), **params}
    np.savez(path, **arrays)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_load_of_weights_that_are_not_finite_raises_weights_error(tmp_path, bad):
    params = dict(Network.initialise(TINY).params)
    params["conv2.w"] = params["conv2.w"].copy()
    params["conv2.w"][1, 0, 2, 2] = bad
    write_weights(tmp_path / "nan.npz", TINY, params)
    with pytest.raises(WeightsError, match="conv2.w"):
        load(tmp_path / "nan.npz")


def test_load_of_weights_whose_outputs_overflow_raises_weights_error(tmp_path):
    # Every weight finite, but for a blank input fc1 gives 3e38 everywhere and fc2 adds
    # 3e38 * 3e38 with both signs: inf - inf, so the probabilities would be NaN.
    from app.nn.architecture import DENSE, FLATTEN, SOFTMAX, Architecture, LayerSpec

    arch = Architecture("two", (1, 2, 2), (LayerSpec("flat", FLATTEN), LayerSpec("fc1", DENSE, channels=4),
                                           LayerSpec("fc2", DENSE, channels=3), LayerSpec("softmax", SOFTMAX)),
                        class_names=("a", "b", "c"))
    params = {"fc1.w": np.zeros((4, 4), np.float32), "fc1.b": np.full(4, 3e38, np.float32),
              "fc2.w": np.array([[3e38, -3e38, 1]] * 4, np.float32), "fc2.b": np.zeros(3, np.float32)}
    write_weights(tmp_path / "huge.npz", arch, params)
    with pytest.raises(WeightsError, match="not finite"):
        load(tmp_path / "huge.npz")


def test_load_of_metadata_that_is_not_an_object_raises_weights_error(tmp_path):
    write_weights(tmp_path / "meta.npz", TINY, dict(Network.initialise(TINY).params), metadata="[1, 2]")
    with pytest.raises(WeightsError, match="metadata"):
        load(tmp_path / "meta.npz")
