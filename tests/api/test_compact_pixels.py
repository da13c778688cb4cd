"""Pixels as a uint8 Tensor: the same input as the nested list, and hostile ones refused."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

import app.api.schemas as schemas
from app.nn.idx import load_split

from .helpers import input_of, pixels_of

DIGITS = Path(__file__).resolve().parents[1] / "data" / "mnist-t10k-1000"


@pytest.fixture(scope="module")
def digits():
    images, labels = load_split(DIGITS, "t10k")
    return images[:40], labels[:40]


def tensor(array: np.ndarray, shape=None, dtype="uint8") -> dict:
    data = base64.b64encode(np.ascontiguousarray(array, np.uint8).tobytes()).decode("ascii")
    return {"shape": list(shape or array.shape), "dtype": dtype, "data": data}


def test_tensor_pixels_give_the_same_trace_as_the_nested_list(client, digits):
    for digit in digits[0][:10]:
        as_list = client.post("/api/predict", json={"pixels": pixels_of(digit)})
        as_tensor = client.post("/api/predict", json={"pixels": tensor(digit)})
        assert as_list.status_code == as_tensor.status_code == 200
        assert (input_of(as_tensor.json()) == digit).all()  # the bytes sent are the bytes seen
        assert as_tensor.json()["probabilities"] == as_list.json()["probabilities"]


def test_tensor_pixels_accept_a_channel_axis(client, digits):
    digit = digits[0][0]
    response = client.post("/api/predict", json={"pixels": tensor(digit[None])})
    assert response.status_code == 200
    assert (input_of(response.json()) == digit).all()


def test_explain_takes_tensor_pixels_too(client, digits):
    digit = digits[0][0]
    body = {"layer": "fc3", "index": 7}
    by_list = client.post("/api/explain", json={**body, "pixels": pixels_of(digit)})
    by_tensor = client.post("/api/explain", json={**body, "pixels": tensor(digit)})
    assert by_list.status_code == by_tensor.status_code == 200
    assert by_tensor.json()["output"] == by_list.json()["output"]


GOOD = base64.b64encode(bytes(784)).decode("ascii")


@pytest.mark.parametrize(
    ("pixels", "named"),
    [
        ({"shape": [28, 28], "dtype": "float32", "data": GOOD}, "dtype"),
        ({"shape": [28, 28], "dtype": None, "data": GOOD}, "dtype"),
        ({"shape": [784], "dtype": "uint8", "data": GOOD}, "shape"),
        ({"shape": [28, 28.0], "dtype": "uint8", "data": GOOD}, "shape"),
        ({"shape": [True, 28, 28], "dtype": "uint8", "data": GOOD}, "shape"),
        ({"shape": "28x28", "dtype": "uint8", "data": GOOD}, "shape"),
        ({"shape": [28, 28], "dtype": "uint8", "data": GOOD[:-4]}, "characters"),
        ({"shape": [28, 28], "dtype": "uint8", "data": "!" * len(GOOD)}, "not valid base64"),
        ({"shape": [28, 28], "dtype": "uint8", "data": base64.b64encode(bytes(785)).decode()}, "785 bytes"),
        ({"shape": [28, 28], "dtype": "uint8", "data": 12}, "base64 string"),
        ({"shape": [28, 28], "dtype": "uint8"}, "keys"),
        ({"shape": [28, 28], "dtype": "uint8", "data": GOOD, "extra": 1}, "keys"),
        ({}, "keys"),
    ],
)
def test_predict_refuses_bad_tensor_pixels(client, pixels, named):
    response = client.post("/api/predict", json={"pixels": pixels})
    assert response.status_code == 422
    assert named in response.json()["detail"]
    assert "Tensor" in response.json()["detail"]


def test_a_huge_tensor_is_refused_by_its_length_before_decoding(client, monkeypatch):
    decoded = []
    monkeypatch.setattr(schemas.base64, "b64decode", lambda *a, **k: decoded.append(1))
    huge = {"shape": [28, 28], "dtype": "uint8", "data": "A" * (4 * 1024 * 1024)}
    response = client.post("/api/predict", json={"pixels": huge})
    assert response.status_code == 422
    assert "characters" in response.json()["detail"]
    huge_shape = {"shape": [28, 10**12], "dtype": "uint8", "data": GOOD}
    response = client.post("/api/predict", json={"pixels": huge_shape})
    assert response.status_code == 422
    assert "shape" in response.json()["detail"]
    assert decoded == []


def test_a_body_over_the_limit_is_413(client):
    over = {"shape": [28, 28], "dtype": "uint8", "data": "A" * (6 * 1024 * 1024)}
    response = client.post("/api/predict", json={"pixels": over})
    assert response.status_code == 413
