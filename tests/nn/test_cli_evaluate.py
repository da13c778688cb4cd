"""`cnnvis evaluate --data DIR --json` through app.cli.main."""

from __future__ import annotations

import json

import numpy as np

from app.cli import main
from app.nn.architecture import LENET5
from app.nn.idx import load_split
from app.nn.network import Network
from app.nn.weights import save

from .idxfiles import write_split


def small_test_folder(sample_dir, tmp_path, count):
    images, labels = load_split(sample_dir, "t10k")
    return write_split(tmp_path / "digits", "t10k", images[:count], labels[:count]), images[:count], labels[:count]


def test_evaluate_json_prints_one_object_with_accuracy_and_count(tmp_path, capsys, sample_dir):
    data_dir, images, labels = small_test_folder(sample_dir, tmp_path, 40)
    net = Network.initialise(LENET5, seed=8)
    weights_path = tmp_path / "model.npz"
    save(weights_path, net, {})
    code = main(["evaluate", "--data", str(data_dir), "--model", str(weights_path), "--json"])
    assert code == 0
    out = capsys.readouterr().out
    result = json.loads(out)  # exactly one JSON document: json.loads rejects trailing text
    assert isinstance(result, dict)
    assert result["n"] == 40
    predicted = net.forward(images[:, None].astype(np.float32) / 255).argmax(axis=1)
    assert result["accuracy"] == (predicted == labels).mean()
    assert result["errors"] == int((predicted != labels).sum())
    confusion = np.array(result["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 40
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=10))
    assert np.trace(confusion) == 40 - result["errors"]


def test_evaluate_without_json_prints_a_readable_report(tmp_path, capsys, sample_dir):
    data_dir, _, _ = small_test_folder(sample_dir, tmp_path, 10)
    weights_path = tmp_path / "model.npz"
    save(weights_path, Network.initialise(LENET5, seed=8), {})
    assert main(["evaluate", "--data", str(data_dir), "--model", str(weights_path)]) == 0
    out = capsys.readouterr().out
    assert "on 10 digits" in out and "confusion matrix" in out


def test_evaluate_on_a_folder_without_test_files_exits_2_with_a_message(tmp_path, capsys):
    weights_path = tmp_path / "model.npz"
    save(weights_path, Network.initialise(LENET5), {})
    assert main(["evaluate", "--data", str(tmp_path), "--model", str(weights_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "t10k-images-idx3-ubyte" in captured.err


def test_evaluate_with_a_missing_weights_file_exits_2(tmp_path, capsys, sample_dir):
    data_dir, _, _ = small_test_folder(sample_dir, tmp_path, 5)
    assert main(["evaluate", "--data", str(data_dir), "--model", str(tmp_path / "none.npz")]) == 2
    assert "none.npz" in capsys.readouterr().err
