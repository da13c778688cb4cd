"""POST /api/models and DELETE /api/models/{id}: uploaded models are kept in the folder under
ids made from their content, served by any worker, limited, and hostile files are 4xx."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from onnx_io_graphs import colour_net, tiny_net


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "models"


def _client(folder, **overrides):
    settings = dataclasses.replace(Settings(), uploaded_models_dir=folder, max_uploaded_models=2, **overrides)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _post(client, data: bytes, filename="m.onnx", **fields):
    return client.post("/api/models", files={"file": (filename, data, "application/octet-stream")}, data=fields)


def test_upload_onnx_gives_201_and_a_model_that_traces(folder):
    with _client(folder) as client:
        response = _post(client, colour_net().model().SerializeToString(), name="My colours",
                         classes=",".join("abcdefghij"))
        assert response.status_code == 201
        body = response.json()
        assert body["input_shape"] == [3, 32, 32] and body["class_names"] == list("abcdefghij")
        detail = client.get(f"/api/models/{body['id']}").json()
        assert detail["layers"][1]["source"] == "features.1" and detail["layers"][-1]["added"] is True
        pixels = np.full((3, 32, 32), 0.5).tolist()
        trace = client.post("/api/predict", json={"model": body["id"], "pixels": pixels})
        assert trace.status_code == 200, trace.text
        assert list((folder).glob("*.npz")) == [folder / f"{body['id']}.npz"]


def test_same_upload_twice_gives_the_same_id_and_another_worker_finds_it(folder):
    data = tiny_net().model().SerializeToString()
    with _client(folder) as first:
        id1 = _post(first, data).json()["id"]
        id2 = _post(first, data).json()["id"]
    assert id1 == id2
    with _client(folder) as second:  # a fresh process: knows it only from the folder
        assert second.get(f"/api/models/{id1}").status_code == 200


def test_least_recently_used_upload_is_removed_and_its_link_says_so(folder):
    with _client(folder) as client:
        ids = [_post(client, tiny_net(seed).model().SerializeToString()).json()["id"] for seed in range(3)]
    with _client(folder) as client:
        response = client.get(f"/api/models/{ids[0]}")
        assert response.status_code == 404
        assert "removed" in response.json()["detail"] and "Upload it again" in response.json()["detail"]
        assert client.get(f"/api/models/{ids[2]}").status_code == 200


def test_delete_removes_an_upload_and_refuses_shipped_models(folder):
    with _client(folder) as client:
        model_id = _post(client, tiny_net().model().SerializeToString()).json()["id"]
        assert client.delete(f"/api/models/{model_id}").status_code == 204
        assert client.get(f"/api/models/{model_id}").status_code == 404
        response = client.delete("/api/models/mnist")
        assert response.status_code == 403 and "Only uploaded models" in response.json()["detail"]


def test_uploads_turned_off_are_403(folder):
    with _client(folder, model_uploads=False) as client:
        response = _post(client, tiny_net().model().SerializeToString())
        assert response.status_code == 403 and "does not take model uploads" in response.json()["detail"]
    assert not folder.exists()


def test_model_over_the_size_limit_is_413_before_it_is_read(folder):
    with _client(folder, max_model_bytes=1000) as client:
        response = _post(client, b"x" * 5000)
        assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_model_with_too_many_parameters_is_413(folder):
    with _client(folder, max_model_params=10) as client:
        response = _post(client, tiny_net().model().SerializeToString())
        assert response.status_code == 413 and "parameters" in response.json()["detail"]


def test_unsupported_graph_is_422_naming_the_node(folder):
    g = tiny_net()
    g.op("Add", g.x, name="twice")
    with _client(folder) as client:
        response = _post(client, g.model().SerializeToString())
        assert response.status_code == 422 and "node twice (Add)" in response.json()["detail"]


@pytest.mark.parametrize("data", [b"\x0a\xff\xff\xff\xff\x0f" + b"x" * 50, b"\x00garbage", b"PK\x03\x04broken"])
def test_malformed_files_are_4xx(folder, data):
    with _client(folder) as client:
        response = _post(client, data)
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["detail"]
    assert not folder.exists() or not list(folder.iterdir())


@pytest.mark.parametrize("data", [b"these bytes are no model", b"\x89PNG\r\n\x1a\n" + bytes(range(64)), b"\x0a\x00"])
def test_a_file_that_is_no_model_is_400_saying_which_file_to_choose(folder, data):
    """docs/api.md: 400 for bytes that are not an ONNX file or an archive, in words a student
    can act on: which file to pick, not the decoder's own wording."""
    with _client(folder) as client:
        response = _post(client, data)
        assert response.status_code == 400, response.text
        detail = response.json()["detail"]
        assert detail.startswith("This file is neither an ONNX model nor a .npz weights file")
        assert "choose the .onnx file" in detail
        assert not any(word in detail for word in ("ModelProto", "Wire format", "parsing", "protobuf"))


def test_npz_zip_bomb_is_refused_before_unpacking(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("architecture.npy", b"\x00" * (90 * 1024 * 1024))  # 90 MB of zeros, ~90 KB packed
    with _client(folder) as client:
        response = _post(client, buffer.getvalue(), filename="bomb.npz")
        assert response.status_code == 413 and "unpacks to" in response.json()["detail"]


def test_ids_that_could_name_paths_are_plain_404(folder):
    with _client(folder) as client:
        for model_id in ("..%2F..%2Fetc%2Fpasswd", "u../../x", "uZZZZ"):
            assert client.get(f"/api/models/{model_id}").status_code == 404


def test_model_too_large_to_trace_is_refused_before_it_runs(folder):
    from onnx_io_graphs import GraphBuilder

    g = GraphBuilder((3, 1024, 1024))
    g.op("Conv", g.const(np.zeros((64, 3, 7, 7), np.float32)), name="huge", pads=[3, 3, 3, 3])
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(64, 2, name="head")
    with _client(folder) as client:
        response = _post(client, g.model().SerializeToString())
        assert response.status_code == 422 and "too large to trace" in response.json()["detail"]


def test_an_upload_removed_then_uploaded_again_and_deleted_is_no_longer_called_removed(folder):
    """The 'removed to make room' sentence is for a link to an upload the server dropped; once the
    same model is uploaded again and then deleted by its owner, it is simply not there."""
    nets = [tiny_net(seed).model().SerializeToString() for seed in range(3)]
    with _client(folder) as client:
        ids = [_post(client, data).json()["id"] for data in nets]  # the first is removed (limit 2)
        assert "removed" in client.get(f"/api/models/{ids[0]}").json()["detail"]
        assert _post(client, nets[0]).json()["id"] == ids[0]
        assert client.delete(f"/api/models/{ids[0]}").status_code == 204
    with _client(folder) as client:  # another worker, which knows only the folder
        response = client.get(f"/api/models/{ids[0]}")
        assert response.status_code == 404
        assert "never uploaded here, or was deleted" in response.json()["detail"]


def test_the_same_network_under_another_name_is_another_upload(folder):
    """The id is made from the stored model, its metadata included: two students uploading the
    same file under two names each see their own name."""
    data = tiny_net().model().SerializeToString()
    with _client(folder) as client:
        first, second = _post(client, data, name="Mine").json(), _post(client, data, name="Yours").json()
        assert first["id"] != second["id"]
        assert client.get(f"/api/models/{first['id']}").json()["name"] == "Mine"


def test_reading_an_upload_counts_as_a_use_for_the_removal_order(folder):
    nets = [tiny_net(seed).model().SerializeToString() for seed in range(3)]
    with _client(folder) as client:
        first, second = (_post(client, data).json()["id"] for data in nets[:2])
    with _client(folder) as other:  # another worker reads the first from the folder: a use
        assert other.get(f"/api/models/{first}").status_code == 200
    with _client(folder) as client:
        _post(client, nets[2])
        assert client.get(f"/api/models/{first}").status_code == 200
        assert "removed" in client.get(f"/api/models/{second}").json()["detail"]


def test_an_upload_removed_to_make_room_is_gone_from_the_worker_that_removed_it_too(folder):
    with _client(folder) as client:
        ids = [_post(client, tiny_net(seed).model().SerializeToString()).json()["id"] for seed in range(3)]
        response = client.get(f"/api/models/{ids[0]}")
        assert response.status_code == 404 and "removed" in response.json()["detail"]


def test_the_parameter_limit_takes_a_model_of_exactly_that_many(folder):
    data = tiny_net().model().SerializeToString()  # 55 parameters
    with _client(folder, max_model_params=55) as client:
        assert _post(client, data).status_code == 201
    with _client(folder, max_model_params=54) as client:
        response = _post(client, data)
        assert response.status_code == 413 and "55 parameters" in response.json()["detail"]


def test_with_uploads_off_an_upload_already_in_the_folder_cannot_be_deleted(folder):
    with _client(folder) as client:
        model_id = _post(client, tiny_net().model().SerializeToString()).json()["id"]
    with _client(folder, model_uploads=False) as client:
        response = client.delete(f"/api/models/{model_id}")
        assert response.status_code == 403 and "nor delete them" in response.json()["detail"]
    assert (folder / f"{model_id}.npz").exists()


def test_a_long_display_name_is_cut_to_80_characters(folder):
    with _client(folder) as client:
        body = _post(client, tiny_net().model().SerializeToString(), name="n" * 200).json()
        assert body["name"] == "n" * 80


def test_an_uploaded_model_has_no_weights_download_but_its_onnx(folder):
    """docs/api.md: an uploaded ONNX model has no weights file (404 with a sentence); take its ONNX."""
    with _client(folder) as client:
        model_id = _post(client, tiny_net().model().SerializeToString()).json()["id"]
        weights = client.get(f"/api/models/{model_id}/download")
        assert weights.status_code == 404
        assert weights.json()["detail"] == f"The model {model_id!r} has no weights file on this server to download."
        graph = client.get(f"/api/models/{model_id}/onnx")
        assert graph.status_code == 200
        assert graph.headers["content-disposition"] == f'attachment; filename="{model_id}.onnx"'
