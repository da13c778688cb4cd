"""A server process decodes at most `max_concurrent_decodes` pictures at once; an upload that
cannot get its turn within `decode_wait_seconds` is answered 503 with a sentence, never left
hanging. The decoder is replaced by a slow fake that records how many run at once."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

import app.api.predict as predict_module
from app.api.decode_gate import Busy, DecodeGate
from app.main import create_app
from app.settings import Settings

from .helpers import image_bytes, upload

BUSY = "The server is busy preparing other pictures: try again in a moment."


def a_seven() -> bytes:
    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).line([(12, 12), (52, 12), (28, 56)], fill=0, width=6)
    return image_bytes(image, "PNG")


class SlowDecoder:
    """Stands in for preprocess_bytes: counts decodes running at once, and holds each one until
    `hold` is set or `hold_s` has passed, then decodes for real."""

    def __init__(self, real, hold_s: float):
        self.real, self.hold_s = real, hold_s
        self.hold = threading.Event()
        self.started = threading.Event()
        self.lock = threading.Lock()
        self.running = self.most = self.calls = 0

    def __call__(self, *args):
        with self.lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        self.started.set()
        try:
            self.hold.wait(self.hold_s)
            return self.real(*args)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def gated(client, monkeypatch):
    """A factory of clients of an app with one decoding slot, the given wait, and the slow decoder."""
    opened = []

    def make(wait_s: float, hold_s: float):
        decoder = SlowDecoder(predict_module.preprocess_bytes, hold_s)
        monkeypatch.setattr(predict_module, "preprocess_bytes", decoder)
        settings = Settings(max_concurrent_decodes=1, decode_wait_seconds=wait_s)
        test_client = TestClient(create_app(settings, client.app.state.models), raise_server_exceptions=False)
        opened.append(test_client.__enter__())
        return test_client, decoder

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


def test_two_uploads_at_once_are_decoded_one_after_the_other(gated):
    # Each decode holds its slot for up to 1 s: were the second let in beside the first, the
    # fake would see two running.
    test_client, decoder = gated(wait_s=30, hold_s=1.0)
    raw = a_seven()
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda _: upload(test_client, raw), range(2)))
    assert [r.status_code for r in responses] == [200, 200]
    assert [r.json()["label"] for r in responses] == [7, 7]
    assert decoder.calls == 2
    assert decoder.most == 1


def test_upload_that_waits_past_the_limit_is_503_with_a_sentence_and_the_slot_comes_back(gated):
    test_client, decoder = gated(wait_s=0.3, hold_s=30)
    raw = a_seven()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(upload, test_client, raw)
        assert decoder.started.wait(30)  # the first upload holds the only slot
        second = upload(test_client, raw)
        assert second.status_code == 503
        assert second.json()["detail"] == BUSY
        assert second.headers["Retry-After"] == "2"
        decoder.hold.set()
        assert first.result().status_code == 200
    third = upload(test_client, raw)  # the slot is free again: nothing leaked with the 503
    assert third.status_code == 200
    assert decoder.calls == 2 and decoder.most == 1


def test_decode_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CNNVIS_MAX_CONCURRENT_DECODES", "3")
    monkeypatch.setenv("CNNVIS_DECODE_WAIT_SECONDS", "2.5")
    settings = Settings.from_env()
    assert settings.max_concurrent_decodes == 3
    assert settings.decode_wait_seconds == 2.5


def test_a_cancelled_upload_keeps_its_slot_until_its_decode_really_ends():
    # The student closes the page while their picture decodes: the thread goes on decoding,
    # so the slot must stay taken until it finishes, or a second decode would start beside it.
    async def scenario():
        gate = DecodeGate(slots=1, wait_s=0.2)
        release, running = threading.Event(), threading.Event()

        def blocking():
            running.set()
            release.wait(30)
            return "first"

        first = asyncio.create_task(gate.run(blocking))
        while not running.is_set():
            await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        with pytest.raises(Busy):
            await gate.run(lambda: "second")
        release.set()
        return await gate.run(lambda: "third")

    assert asyncio.run(scenario()) == "third"


def test_a_gate_of_two_slots_decodes_two_pictures_at_the_same_time():
    # Each decode waits for the other to start: with fewer than two threads they would never meet.
    async def scenario():
        gate = DecodeGate(slots=2, wait_s=5)
        meet = threading.Barrier(2, timeout=10)
        return await asyncio.gather(gate.run(meet.wait), gate.run(meet.wait))

    assert sorted(asyncio.run(scenario())) == [0, 1]
