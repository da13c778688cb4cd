"""Pixels must be numbers: strings and booleans are refused with a reason, not coerced; and
decoding an image never runs on the event loop, where it would stall every other student."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageDraw

import app.api.predict as predict_module


def test_pixels_given_as_strings_are_refused(client):
    response = client.post("/api/predict", json={"pixels": [["0.5"] * 28] * 28})
    assert response.status_code == 422
    assert "not numbers" in response.json()["detail"]


def test_pixels_given_as_booleans_are_refused(client):
    response = client.post("/api/predict", json={"pixels": [[True] * 28] * 28})
    assert response.status_code == 422
    assert "not numbers" in response.json()["detail"]


def test_interactive_docs_that_need_a_cdn_are_not_served(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_image_preprocessing_runs_off_the_event_loop(client, monkeypatch):
    seen = []
    real = predict_module.preprocess_bytes

    def recording(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            seen.append("event loop")
        except RuntimeError:
            seen.append("worker thread")
        return real(*args, **kwargs)

    monkeypatch.setattr(predict_module, "preprocess_bytes", recording)
    image = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(image).line([(32, 8), (32, 56)], fill=255, width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = client.post("/api/predict/upload", files={"file": ("one.png", buffer.getvalue(), "image/png")})
    assert response.status_code == 200
    assert seen == ["worker thread"]
