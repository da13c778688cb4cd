"""Light on the network: once its weights are in, the page sends a drawing as 784 prepared
bytes and asks for a compact trace, each live request well under 4 KB, and what it shows is
what the older PNG path (?wire=png) shows for the same drawing."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from .helpers import SEVEN, draw_settled

pytest.importorskip("playwright")
from playwright.sync_api import expect


def grey(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"))


def _sent_predictions(page):
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if r.url.endswith("/api/predict") and r.method == "POST" else None)
    return sent


def _shown(page):
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    expect(page.locator("#preprocessing li[data-step]")).to_have_count(4)
    return page.evaluate(
        """() => ({
          guesses: document.getElementById('guesses').textContent,
          note: document.getElementById('preprocessing-note').textContent,
          captions: [...document.querySelectorAll('#preprocessing li[data-step]')].map(li => li.title),
          pictures: [...document.querySelectorAll('#preprocessing li[data-step] img')].map(i => i.src),
        })"""
    )


def test_live_requests_are_prepared_pixels_under_4_kb_and_show_what_the_png_path_shows(page, server):
    page.wait_for_selector("body[data-weights=loaded]", timeout=15000)
    sent = _sent_predictions(page)
    draw_settled(page, SEVEN)  # to the stroke-end answer, with its pictures
    shown = _shown(page)
    assert sent, "the page sent nothing while drawing"
    for raw in sent:
        body = json.loads(raw)
        assert len(raw.encode()) < 4096
        assert body["detail"] == "compact" and "image" not in body
        assert body["pixels"]["shape"] == [28, 28] and body["pixels"]["dtype"] == "uint8"
    assert page.console.errors == []

    page.goto(f"{server}/?wire=png")
    page.wait_for_selector("body[data-weights=loaded]", timeout=15000)
    sent_png = _sent_predictions(page)
    draw_settled(page, SEVEN)
    shown_png = _shown(page)
    assert all("image" in json.loads(raw) for raw in sent_png)
    pictures, pictures_png = shown.pop("pictures"), shown_png.pop("pictures")
    assert shown == shown_png  # the same answer, guesses, note and captions, however it travelled
    for ours, theirs in zip(pictures, pictures_png, strict=True):
        a, b = grey(ours), grey(theirs)
        assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert page.console.errors == []
