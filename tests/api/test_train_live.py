"""A model while it trains (``<job>@live``) and after: its snapshot answers predict, its ONNX
file agrees with onnxruntime, its exemplars and its test-set evaluation are there at `done`.

One tiny job is trained for the module; each check compares against an independent
computation (the seed's initialisation, the saved file run through the engine, a plain
convolution over the test set, onnxruntime)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from fastapi.testclient import TestClient

from app.api.tensors import decode
from app.main import create_app
from app.models import MODELS_DIR
from app.settings import Settings
from app.nn import weights
from app.nn.network import Network
from app.training.recipe import TrainRequest, build_architecture
from app.why.samples import load_test_set

from .test_train import LONG, TINY, app_client, quick_keepalive, read_events, start  # noqa: F401


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(client, events, model id, the job id, state folder) of one tiny finished job."""
    folder = tmp_path_factory.mktemp("state")
    with app_client(folder) as client:
        job = start(client, **TINY, name="Tiny")
        events = read_events(client, job, within=180)
        assert events[-1][1] == "done", events[-1]
        yield client, events, events[-1][2]["model"], job, folder


def _probabilities(client, model_id, image):
    response = client.post("/api/predict", json={"model": model_id, "pixels": (image / 255).tolist()})
    assert response.status_code == 200, response.text
    return np.array(response.json()["probabilities"])


def test_events_name_the_live_model_and_number_its_snapshots(trained):
    client, events, model_id, job, _ = trained
    started = next(data for _, event, data in events if event == "started")
    assert started["live"] == f"{job}@live" and started["snapshot"] == 1
    numbers = [data["snapshot"] for _, event, data in events if event == "progress"]
    assert numbers == sorted(numbers) and numbers[-1] >= 2  # the start, then at least the last step
    assert [e[1] for e in events][-2:] == ["finishing", "done"]


def test_live_model_after_the_end_is_the_saved_model_and_not_the_initialisation(trained, mnist_test):
    client, events, model_id, job, folder = trained
    live = f"{job}@live"
    saved, _ = weights.load(folder / "models" / f"{model_id}.npz")
    started_from = Network.initialise(build_architecture(TrainRequest(**TINY)), seed=0)  # the seed's own start
    response = client.get(f"/api/models/{live}/weights")
    assert response.status_code == 200, response.text
    conv1 = decode(next(layer for layer in response.json()["layers"] if layer["name"] == "conv1")["w"])
    assert np.array_equal(conv1, saved.params["conv1.w"])
    assert not np.allclose(conv1, started_from.params["conv1.w"])
    images, _ = mnist_test
    expected = saved.forward((images[3:4, None] / 255).astype(np.float32))[0]
    assert np.allclose(_probabilities(client, live, images[3]), expected, atol=1e-5)


def test_live_model_changes_while_the_job_runs_and_answers_predict(tmp_path, mnist_test):
    images, _ = mnist_test
    with app_client(tmp_path) as client:
        job = start(client, **LONG)
        live = f"{job}@live"
        try:
            first = read_events(client, job, until=("started",), within=120)[-1][2]
            assert first["live"] == live
            seen, kernels = set(), []
            deadline = time.monotonic() + 120
            while len(kernels) < 2 and time.monotonic() < deadline:
                response = client.get(f"/api/models/{live}/download")
                assert response.status_code == 200
                path = tmp_path / "snapshot.npz"
                path.write_bytes(response.content)
                network, about = weights.load(path)
                if about["step"] not in seen:
                    seen.add(about["step"])
                    kernels.append(network.params["conv1.w"])
                    # The route answers from the snapshot the worker holds: same file, same answer,
                    # unless the runner replaced it in between (then the next round checks again).
                    answer = _probabilities(client, live, images[0])
                    if client.get(f"/api/models/{live}/download").content == response.content:
                        expected = network.forward((images[0:1, None] / 255).astype(np.float32))[0]
                        assert np.allclose(answer, expected, atol=1e-5)
                time.sleep(0.3)
            assert len(kernels) == 2, "the snapshot did not change within 120 s"
            assert not np.allclose(kernels[0], kernels[1])
        finally:
            client.delete(f"/api/train/{job}")
        assert read_events(client, job)[-1][1] == "stopped"


def test_unknown_live_model_is_a_404_with_a_sentence(tmp_path):
    with app_client(tmp_path) as client:
        response = client.post("/api/predict", json={"model": "j-000000000000@live", "pixels": [[0.0] * 28] * 28})
        assert response.status_code == 404
        assert "training job" in response.json()["detail"]


def _plain_conv1_channel(network, images, channel):
    """conv1's map `channel` after its ReLU, by a plain sliding window (pad 2, 5x5), (N, 28, 28)."""
    w, b = network.params["conv1.w"][channel, 0].astype(np.float64), float(network.params["conv1.b"][channel])
    padded = np.pad(images.astype(np.float64) / 255, ((0, 0), (2, 2), (2, 2)))
    windows = sliding_window_view(padded, (5, 5), axis=(1, 2))  # (N, 28, 28, 5, 5)
    return np.maximum(np.einsum("nyxij,ij->nyx", windows, w) + b, 0)


def test_exemplars_are_there_when_the_job_is_done_and_match_the_test_set(trained):
    client, _, model_id, _, folder = trained
    listed = [m["id"] for m in client.get("/api/models").json()["models"]]
    assert listed.count(model_id) == 1 and not [i for i in listed if "exemplars" in i]
    response = client.get(f"/api/models/{model_id}/exemplars", params={"layer": "conv1", "channel": 2})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    network, _ = weights.load(folder / "models" / f"{model_id}.npz")
    test_set = load_test_set("mnist")
    maps = _plain_conv1_channel(network, test_set.images[:, 0], 2)
    best = maps.reshape(len(maps), -1).max(axis=1)
    for item in items:
        assert maps[item["sample"], item["y"], item["x"]] == pytest.approx(item["activation"], rel=1e-4, abs=1e-5)
    ninth = items[-1]["activation"]
    others = np.delete(best, [item["sample"] for item in items])
    assert others.max() <= ninth + 1e-5


def test_a_trained_model_is_evaluated_on_its_whole_test_set(trained):
    client, _, model_id, _, folder = trained
    response = client.get(f"/api/models/{model_id}/confusion")
    assert response.status_code == 200, response.text
    body = response.json()
    network, _ = weights.load(folder / "models" / f"{model_id}.npz")
    test_set = load_test_set("mnist")
    right = (network.predict(test_set.inputs()) == test_set.labels).mean()
    assert body["n"] == 10_000 == np.sum(body["matrix"])
    assert body["accuracy"] == pytest.approx(right, abs=1e-9)
    assert np.trace(body["matrix"]) / body["n"] == pytest.approx(right, abs=1e-9)


def _onnx_agrees(client, model_id, images):
    import onnxruntime

    response = client.get(f"/api/models/{model_id}/onnx")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('.onnx"')
    session = onnxruntime.InferenceSession(response.content, providers=["CPUExecutionProvider"])
    x = (images[:, None] / 255).astype(np.float32)
    (theirs,) = session.run(None, {"input": x})
    ours = np.array([_probabilities(client, model_id, image) for image in images])
    assert np.allclose(theirs, ours, atol=1e-5)


def test_onnx_download_of_shipped_checkpoint_and_trained_models_agrees_with_onnxruntime(trained, mnist_test):
    client, _, model_id, _, _ = trained
    images, _ = mnist_test
    checkpoints = client.get("/api/models/mnist/checkpoints").json()["checkpoints"]
    for chosen in ["mnist", "fashion", model_id] + [c["id"] for c in checkpoints[:1]]:
        _onnx_agrees(client, chosen, images[:4])


def test_onnx_of_an_unknown_model_is_a_404_with_a_sentence(trained):
    client = trained[0]
    response = client.get("/api/models/nope/onnx")
    assert response.status_code == 404
    assert "No model" in response.json()["detail"]


def test_onnx_download_of_an_uploaded_model_agrees_with_onnxruntime(tmp_path, mnist_test):
    images, _ = mnist_test
    settings = dataclasses.replace(Settings(state_dir=tmp_path), uploaded_models_dir=tmp_path / "uploads")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        data = (MODELS_DIR / "fashion.npz").read_bytes()
        response = client.post("/api/models", files={"file": ("clothes.npz", data, "application/octet-stream")})
        assert response.status_code == 201, response.text
        _onnx_agrees(client, response.json()["id"], images[:3])


def test_the_last_progress_event_has_no_seconds_left(trained):
    _, events, _, _, _ = trained
    progress = [data for _, event, data in events if event == "progress"]
    assert progress[-1]["step"] == progress[-1]["steps"] and progress[-1]["seconds_left"] == 0


def test_a_snapshot_appears_only_written_whole(tmp_path, monkeypatch):
    """Every worker may read <job>@live while the runner rewrites it: it is written under another
    name and renamed, so the file a reader opens is always a whole one."""
    from app.training import live

    seen_while_writing = []
    real_save = live.weights.save

    def save_and_look(path, network, metadata, **kwargs):
        real_save(path, network, metadata, **kwargs)
        seen_while_writing.append((tmp_path / live.FILENAME).exists())

    monkeypatch.setattr(live.weights, "save", save_and_look)
    network = Network.initialise(build_architecture(TrainRequest(conv1_filters=1, conv2_filters=1)), seed=0)
    live.write_snapshot(tmp_path, network, {"name": "live"})
    assert seen_while_writing == [False]
    assert weights.load(tmp_path / live.FILENAME)[1]["name"] == "live"
