"""A browser that comes back to a training stream after its ending was sent (its Wi-Fi dropped
just then) is told there is nothing more, at once, rather than held open for ever; a stream
that still has events to send sends them and ends with the ending."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

JOB = "j-0123456789ab"
EVENTS = [("queued", {"position": 0}), ("started", {"images": 10}), ("done", {"model": "t-0", "val_accuracy": 0.5})]


@pytest.fixture
def client(tmp_path):
    """An app whose job folder holds one finished job, written as a job's own process writes it."""
    folder = tmp_path / "jobs" / JOB
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({"name": "finished"}))
    (folder / "events.jsonl").write_text("".join(json.dumps([e, d]) + "\n" for e, d in EVENTS))
    with TestClient(create_app(Settings(state_dir=tmp_path)), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("last_seen", ["3", "99", "99999999999999999999999"])
def test_a_stream_asked_after_the_ending_ends_at_once_with_204(client, last_seen):
    started = time.monotonic()
    with client.stream("GET", f"/api/train/{JOB}/events", headers={"Last-Event-ID": last_seen}) as response:
        assert response.status_code == 204
        assert b"".join(response.iter_bytes()) == b""
    assert time.monotonic() - started < 5


def test_a_stream_asked_before_the_ending_sends_the_rest_and_ends(client):
    with client.stream("GET", f"/api/train/{JOB}/events", headers={"Last-Event-ID": "1"}) as response:
        assert response.status_code == 200
        text = b"".join(response.iter_bytes()).decode()
    ids = [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]
    kinds = [line[7:] for line in text.splitlines() if line.startswith("event: ")]
    assert ids == [2, 3] and kinds == ["started", "done"]


def test_a_stream_asked_past_a_running_job_ends_once_the_job_has_ended(client, tmp_path, monkeypatch):
    """A Last-Event-ID beyond every event of a job still running: the stream waits, and ends
    (at its next keep-alive) once the job's ending is written, rather than waiting for ever."""
    from app.api import train as train_routes

    monkeypatch.setattr(train_routes, "KEEPALIVE_SECONDS", 0.3)
    events = tmp_path / "jobs" / JOB / "events.jsonl"
    ending = events.read_text().splitlines(keepends=True)[-1]
    events.write_text("".join(events.read_text().splitlines(keepends=True)[:-1]))  # running: no ending yet
    started = time.monotonic()
    with client.stream("GET", f"/api/train/{JOB}/events", headers={"Last-Event-ID": "50"}) as response:
        assert response.status_code == 200
        with events.open("a") as f:
            f.write(ending)
        text = ""
        for chunk in response.iter_bytes():  # keep-alives every 0.3 s: the deadline is looked at
            text += chunk.decode()
            if time.monotonic() - started > 10:
                pytest.fail("the stream was still open 10 s after the job ended")
    assert "event:" not in text


def test_an_ending_written_just_before_a_keep_alive_is_still_sent(client, tmp_path, monkeypatch):
    """The job ends between the stream's look for new events and its keep-alive: the stream
    must send that ending before it closes (a client would otherwise never hear how it ended)."""
    from app.api import train as train_routes

    monkeypatch.setattr(train_routes, "KEEPALIVE_SECONDS", 0.3)
    events = tmp_path / "jobs" / JOB / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(lines[:-1]))  # running: no ending yet
    store = client.app.state.jobs
    real_ended_by, asked = store.ended_by, []

    def ended_just_now(job_id, after):
        asked.append(job_id)
        if len(asked) == 2:  # the first look is as the stream opens; the second at a keep-alive
            with events.open("a") as f:
                f.write(lines[-1])
        return real_ended_by(job_id, after)

    monkeypatch.setattr(store, "ended_by", ended_just_now)
    with client.stream("GET", f"/api/train/{JOB}/events", headers={"Last-Event-ID": "2"}) as response:
        assert response.status_code == 200
        text = b"".join(response.iter_bytes()).decode()
    assert len(asked) >= 2 and "event: done" in text, text
