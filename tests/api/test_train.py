"""Training jobs through the HTTP API: tiny jobs of a few hundred digits, each app with its own
state folder, so the queue, the job files and the trained models start empty."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api import train as train_routes
from app.main import create_app
from app.nn import weights
from app.settings import Settings
from app.training.loop import DIVERGED

TINY = {"limit": 200, "epochs": 1, "batch_size": 50}
LONG = {"limit": 9000, "epochs": 20}  # minutes of work: only ever stopped


def app_client(tmp_path, **limits):
    return TestClient(create_app(Settings(state_dir=tmp_path, **limits)), raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def quick_keepalive(monkeypatch):
    """A comment line every half second, so that a stream read wakes up to check its deadline
    even when a broken job sends nothing."""
    monkeypatch.setattr(train_routes, "KEEPALIVE_SECONDS", 0.5)


def read_events(client, job, until=("done", "failed", "stopped"), headers=None, within=90.0):
    """(id, event, data) of the job's stream up to and including the first event in `until`;
    fails, naming what came, when that takes longer than `within` seconds."""
    out, fields = [], {}
    deadline = time.monotonic() + within
    with client.stream("GET", f"/api/train/{job}/events", headers=headers or {}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if time.monotonic() > deadline:
                pytest.fail(f"no {'/'.join(until)} event within {within:g} s; the stream said {[e[1] for e in out]}")
            if line.startswith(":"):
                continue
            if line:
                key, _, value = line.partition(": ")
                fields[key] = value
                continue
            if "event" in fields:
                out.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
                if fields["event"] in until:
                    return out
            fields = {}
    return out


def start(client, **body):
    response = client.post("/api/train", json=body)
    assert response.status_code == 202, response.text
    return response.json()["job"]


def test_short_job_streams_progress_in_order_then_done_and_its_model_predicts(tmp_path, mnist_test):
    with app_client(tmp_path) as client:
        job = start(client, **TINY, name="Tiny")
        events = read_events(client, job)
        ids = [e[0] for e in events]
        assert ids == list(range(1, len(ids) + 1))
        kinds = [e[1] for e in events]
        assert kinds[:2] == ["queued", "started"] and kinds[-1] == "done"
        assert events[0][2]["position"] == 0  # nothing ahead: it starts at once
        progress = [e[2] for e in events if e[1] == "progress"]
        assert progress, kinds
        steps = [p["step"] for p in progress]
        assert steps == sorted(set(steps)) and steps[-1] == 4  # 200 images in batches of 50
        assert all(p["epoch"] == 1 and p["loss"] > 0 for p in progress)
        for key in ("train_accuracy", "val_accuracy", "seconds_left"):
            assert key in progress[-1]
        model_id = events[-1][2]["model"]

        # A late client gets the whole story again; one that comes back resumes after its last id.
        assert read_events(client, job) == events
        assert read_events(client, job, headers={"Last-Event-ID": str(ids[-2])}) == events[-1:]
        assert client.get(f"/api/train/{job}").json()["state"] == "done"

        images, _ = mnist_test
        response = client.post("/api/predict", json={"model": model_id, "pixels": (images[0] / 255).tolist()})
        assert response.status_code == 200, response.text
        # Independently: the saved file, run through the engine, gives the same probabilities.
        network, metadata = weights.load(tmp_path / "models" / f"{model_id}.npz")
        expected = network.forward((np.round(images[0:1, None] / 255 * 255) / 255).astype(np.float32))[0]
        assert metadata["name"] == "Tiny"
        assert np.allclose(response.json()["probabilities"], expected, atol=1e-5)
        listed = {m["id"]: m for m in client.get("/api/models").json()["models"]}
        assert listed[model_id]["name"] == "Tiny"
        download = client.get(f"/api/models/{model_id}/download")
        assert download.status_code == 200
        assert download.content == (tmp_path / "models" / f"{model_id}.npz").read_bytes()


def test_second_job_waits_at_position_1_and_runs_when_the_first_ends(tmp_path):
    with app_client(tmp_path) as client:
        first = start(client, limit=1000, epochs=1)
        second = start(client, **TINY)
        events = read_events(client, second, until=("started",))
        assert events[0][1] == "queued" and events[0][2]["position"] == 1
        assert client.get(f"/api/train/{first}").json()["state"] == "done"  # it ended before this started
        assert read_events(client, second)[-1][1] == "done"


def test_job_past_the_queue_bound_gets_429_and_delete_stops_queued_and_running_within_a_second(tmp_path):
    with app_client(tmp_path, train_max_waiting=1) as client:
        running = start(client, **LONG)
        waiting = start(client, **LONG)
        refused = client.post("/api/train", json=TINY)
        assert refused.status_code == 429
        assert "waiting" in refused.json()["detail"]

        assert client.delete(f"/api/train/{waiting}").status_code == 200
        assert client.get(f"/api/train/{waiting}").json()["state"] == "stopped"

        read_events(client, running, until=("progress",))
        asked = time.perf_counter()
        assert client.delete(f"/api/train/{running}").status_code == 200
        events = read_events(client, running)
        assert time.perf_counter() - asked < 1.0
        assert events[-1][1] == "stopped" and events[-1][2]["reason"]
        assert not list((tmp_path / "models").glob("*.npz"))  # a stopped job leaves no model


def test_job_past_its_time_limit_fails_with_the_reason(tmp_path):
    with app_client(tmp_path, train_max_seconds=0.5) as client:
        job = start(client, **LONG)
        last = read_events(client, job)[-1]
        assert last[1] == "failed"
        assert "longer than this server allows" in last[2]["reason"]


def test_adam_at_learning_rate_10_fails_with_the_loss_too_large(tmp_path):
    with app_client(tmp_path) as client:
        job = start(client, limit=1000, epochs=1, optimizer="adam", lr=10)
        last = read_events(client, job)[-1]
        assert last[1] == "failed"
        assert last[2]["reason"] == DIVERGED == "the loss became too large: try a smaller learning rate"


@pytest.mark.parametrize("method, suffix", [("GET", ""), ("GET", "/events"), ("DELETE", "")])
def test_unknown_job_is_a_404_with_a_sentence(tmp_path, method, suffix):
    with app_client(tmp_path) as client:
        response = client.request(method, f"/api/train/j-000000000000{suffix}")
        assert response.status_code == 404
        assert "No training job" in response.json()["detail"]


def test_settings_past_the_limits_are_refused_with_a_sentence(tmp_path):
    with app_client(tmp_path, train_max_epochs=3) as client:
        response = client.post("/api/train", json={"epochs": 4})
        assert response.status_code == 422
        assert "at most 3 epochs" in response.json()["detail"]
        assert client.post("/api/train", json={"dataset": "cifar"}).status_code == 422


# -- the folder of trained models (app/model_store.py) ------------------------------------
def _small_network(seed: int):
    from app.nn.network import Network
    from app.training.recipe import TrainRequest, build_architecture

    return Network.initialise(build_architecture(TrainRequest(conv1_filters=1, conv2_filters=1)), seed=seed)


def _aged(store, model_id: str, seconds_ago: float) -> None:
    """Sets the model file's clock (its last use) that long ago."""
    now = time.time()
    os.utime(store.path(model_id), (now - seconds_ago, now - seconds_ago))


def test_one_model_past_the_limit_removes_the_least_recently_used_with_its_exemplars(tmp_path):
    from app.model_store import ModelStore

    store = ModelStore(tmp_path, max_count=2)
    old, recent = store.save(_small_network(0), {"name": "old"}), store.save(_small_network(1), {"name": "recent"})
    _aged(store, old, 3000)
    _aged(store, recent, 2000)
    for model_id in (old, recent):
        store.path(model_id).with_suffix(".exemplars.npz").write_bytes(b"kept beside the model")
    newest = store.save(_small_network(2), {"name": "newest"})
    assert store.ids() == [newest, recent]  # most recently used first; the oldest is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{newest}.npz", f"{recent}.npz", f"{recent}.exemplars.npz"])
    assert store.get(old) is None


def test_using_a_trained_model_moves_it_to_the_back_of_the_removal_queue(tmp_path):
    """docs/api.md: saving one more removes the least recently *used*; a use refreshes the
    file's clock (at most once a minute), a look with touch=False does not."""
    from app.model_store import ModelStore

    store = ModelStore(tmp_path, max_count=2)
    first, second = store.save(_small_network(0), {}), store.save(_small_network(1), {})
    _aged(store, first, 3000)
    _aged(store, second, 2000)
    assert store.get(second, touch=False) is not None  # listing it is no use
    assert store.get(first) is not None  # a student traces with the older one
    third = store.save(_small_network(2), {})
    assert store.ids() == [third, first]


def test_a_trained_model_appears_only_once_written_whole(tmp_path, monkeypatch):
    """Any worker lists the folder while the runner saves: the file must be written under
    another name and renamed into place, so a half-written model is never listed or read."""
    from app import model_store

    store = model_store.ModelStore(tmp_path, max_count=5)
    seen_while_writing = []
    real_save = model_store.weights.save

    def save_and_look(path, network, metadata, **kwargs):
        real_save(path, network, metadata, **kwargs)
        seen_while_writing.append(store.ids())

    monkeypatch.setattr(model_store.weights, "save", save_and_look)
    model_id = store.save(_small_network(0), {"name": "whole"})
    assert seen_while_writing == [[]]
    assert store.ids() == [model_id] and store.get(model_id).metadata["name"] == "whole"


def test_the_recipe_builds_the_dropout_and_batch_norm_it_asks_for():
    """docs/api.md: dropout after fc1 at its rate; batch norm after each conv, before its activation."""
    from app.training.recipe import TrainRequest, build_architecture

    plain = [(s.name, s.kind, s.activation) for s in build_architecture(TrainRequest()).layers]
    assert [kind for _, kind, _ in plain] == ["conv", "maxpool", "conv", "maxpool", "flatten", "dense", "dense",
                                              "dense", "softmax"]
    dropped = build_architecture(TrainRequest(dropout=0.3)).layers
    kinds = [s.kind for s in dropped]
    assert kinds[6] == "dropout" and dropped[6].rate == 0.3 and dropped[5].name == "fc1"
    normed = build_architecture(TrainRequest(batchnorm=True, activation="tanh")).layers
    assert [(s.kind, s.activation) for s in normed[:4]] == [("conv", None), ("batchnorm", None), ("tanh", None),
                                                             ("maxpool", None)]
    assert [s.kind for s in normed[4:7]] == ["conv", "batchnorm", "tanh"]


def test_batch_size_and_image_limits_are_refused_with_a_sentence(tmp_path):
    with app_client(tmp_path, train_max_images=500) as client:
        response = client.post("/api/train", json={"batch_size": 513})
        assert response.status_code == 422
        response = client.post("/api/train", json={"limit": 501})
        assert response.status_code == 422 and "at most 500 images" in response.json()["detail"]


def test_the_held_out_images_are_the_last_tenth_whatever_the_limit():
    from app.training import sample

    images, labels = sample.load_sample("mnist")
    for limit in (None, 200):
        train_x, _, val_x, val_y = sample.split("mnist", limit)
        assert len(val_x) == len(images) // 10 and len(train_x) == (limit or len(images) - len(val_x))
        np.testing.assert_array_equal(val_x, images[-len(val_x):])
        np.testing.assert_array_equal(val_y, labels[-len(val_x):])


def _quiet_store(tmp_path, monkeypatch):
    """A JobStore whose runner is never started (this process stands in for it)."""
    from app.training import jobs

    monkeypatch.setattr(jobs.JobStore, "_start_runner", lambda self: os.getpid())
    return jobs.JobStore(tmp_path, max_waiting=5)


def test_a_waiting_job_is_told_its_new_place_when_one_ahead_leaves(tmp_path, monkeypatch):
    store = _quiet_store(tmp_path, monkeypatch)
    running, second, third = (store.submit({"request": {}}) for _ in range(3))
    assert store.last_event(third)[0] == "queued" and store.last_event(third)[1]["position"] == 2
    assert store.stop(second) == "queued"
    assert store.last_event(second)[0] == "stopped"
    assert store.last_event(third)[0] == "queued" and store.last_event(third)[1]["position"] == 1


def test_only_ended_jobs_are_forgotten_after_15_minutes(tmp_path, monkeypatch):
    """A job can wait in the queue longer than 15 minutes without a new event: it must stay."""
    from app.training import jobs

    store = _quiet_store(tmp_path, monkeypatch)
    running, waiting = store.submit({"request": {}}), store.submit({"request": {}})
    store.append(running, "done", {"model": "t-0123456789"})
    old = time.time() - jobs.KEEP_SECONDS - 60
    for job in (running, waiting):
        os.utime(tmp_path / job / "events.jsonl", (old, old))
    store.submit({"request": {}})  # a new job clears out what has ended
    assert not (tmp_path / running).exists()
    assert store.state(waiting)["state"] == "queued"


def test_a_job_warms_up_then_lowers_its_learning_rate_step_by_step(monkeypatch):
    """A job follows the schedule of `cnnvis train`: warm-up (here one step, a quarter of the
    4 steps of 200 images in batches of 50), then a decay to a hundredth of the rate asked for."""
    from app.training import loop
    from app.training.recipe import TrainRequest

    rates = []
    real_step = loop.Adam.step

    def step_and_note(self, grads):
        rates.append(self.lr)
        real_step(self, grads)

    monkeypatch.setattr(loop.Adam, "step", step_and_note)
    loop.train_job(TrainRequest(**TINY, lr=0.01), lambda *_: None, lambda: False, 60.0, 9000)
    # By hand: low = 0.0001; step s >= 1 at progress p = (s - 1) / 3 has low + (0.01 - low) * (1 + cos(pi p)) / 2.
    assert rates == pytest.approx([0.01, 0.01, 0.0001 + 0.0099 * 0.75, 0.0001 + 0.0099 * 0.25])


def test_a_job_left_running_by_a_runner_that_died_ends_as_failed(tmp_path, monkeypatch):
    import subprocess
    import sys

    store = _quiet_store(tmp_path, monkeypatch)
    orphan = store.submit({"request": {}})
    store.append(orphan, "started", {})
    with store._locked() as queue:
        proc = subprocess.Popen([sys.executable, "-c", "pass"])
        proc.wait()
        queue["runner"] = proc.pid  # its runner: ended and reaped
    store.submit({"request": {}})
    assert store.last_event(orphan) == ("failed", {"reason": "The training process ended unexpectedly: start the job again."})


def _one_job(tmp_path, monkeypatch):
    store = _quiet_store(tmp_path, monkeypatch)
    job_id = store.submit({"request": {}, "max_seconds": 60, "max_images": 100, "models_dir": str(tmp_path / "m"),
                           "models_max": 2})
    monkeypatch.setattr("app.training.recipe.TrainRequest", lambda **request: request)
    return store, job_id


def test_a_job_whose_training_raises_ends_as_failed_with_a_sentence(tmp_path, monkeypatch):
    from app.training import loop, runner

    store, job_id = _one_job(tmp_path, monkeypatch)

    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the training")

    monkeypatch.setattr(loop, "train_job", broken)
    with pytest.raises(RuntimeError):
        runner.run_one(store, job_id)
    assert store.last_event(job_id) == ("failed", {"reason": "The training stopped on an unexpected problem (RuntimeError)."})


def test_a_job_stopped_during_its_last_step_ends_as_stopped_and_saves_no_model(tmp_path, monkeypatch):
    from app.training import loop, runner

    store, job_id = _one_job(tmp_path, monkeypatch)

    def stopped_at_the_end(*args, **kwargs):
        (tmp_path / job_id / "stop").touch()  # the stop arrives as the last step ends
        return object(), {"name": "x"}

    monkeypatch.setattr(loop, "train_job", stopped_at_the_end)
    runner.run_one(store, job_id)
    assert store.last_event(job_id) == ("stopped", {"reason": "The job was stopped."})
    assert not (tmp_path / "m").exists()


def test_the_runner_takes_the_waiting_jobs_one_after_the_other_then_exits(tmp_path, monkeypatch):
    from app.training import runner

    store = _quiet_store(tmp_path, monkeypatch)
    jobs_in_order = [store.submit({"request": {}}) for _ in range(3)]
    ran = []
    monkeypatch.setattr(runner.os, "nice", lambda increment: 0)
    monkeypatch.setattr(runner, "run_one", lambda store, job_id: ran.append(job_id))
    assert runner.main(str(tmp_path)) == 0
    assert ran == jobs_in_order
    assert store.current() is None
