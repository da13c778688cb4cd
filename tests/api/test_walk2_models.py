"""A shared link to a network trained on the server that the server no longer keeps (it keeps the
most recently used few): the 404 says what happened and what to do, in words a student can act
on, instead of listing the ids of other models."""

from __future__ import annotations

import pytest

GONE = "t-0000000000"  # a trained model's id, as the server makes them, that no job made


@pytest.mark.parametrize("route", [f"/api/models/{GONE}", f"/api/models/{GONE}/weights"])
def test_a_trained_model_no_longer_kept_is_explained(client, route):
    response = client.get(route)
    assert response.status_code == 404
    detail = response.json()["detail"]
    kept = client.app.state.settings.trained_models_max
    assert detail.startswith(f"No model '{GONE}'") and f"keeps the {kept} networks trained on it" in detail, detail
    assert "Train it yourself" in detail and "Available models" not in detail, detail


def test_a_prediction_with_a_trained_model_no_longer_kept_is_explained(client):
    response = client.post("/api/predict", json={"model": GONE, "pixels": [[0.0] * 28] * 28})
    assert response.status_code == 404
    assert "Train it yourself" in response.json()["detail"]
