"""`cnnvis serve --model FILE` serves the file beside the shipped models, under file-<name>."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from app.settings import Settings

from .graphs import lenet_nhwc


def test_extra_model_is_served_beside_the_shipped_ones(tmp_path):
    path = tmp_path / "mnist.onnx"  # the same stem as a shipped model: its id must not collide
    path.write_bytes(lenet_nhwc().model().SerializeToString())
    settings = dataclasses.replace(Settings(), extra_models=(str(path),), uploaded_models_dir=tmp_path / "up")
    with TestClient(create_app(settings)) as client:
        ids = [m["id"] for m in client.get("/api/models").json()["models"]]
        assert ids[:2] == ["mnist", "fashion"] and "file-mnist" in ids
        layers = client.get("/api/models/file-mnist").json()["layers"]
        assert layers[0]["source"] == "conv1"


def test_serve_with_an_unreadable_model_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CNNVIS_EXTRA_MODELS", "")  # serve writes it; restored after the test
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"not a model")
    assert main(["serve", "--model", str(path), "--port", "9001"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.onnx" in err
