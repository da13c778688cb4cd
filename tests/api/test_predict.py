"""POST /api/predict and /api/predict/upload on good input: the trace is the engine's trace,
the labels are right on official test digits, and the response stays within budget."""

from __future__ import annotations

import base64
import gzip
import io

import numpy as np
import orjson
import pytest
from PIL import Image

from app.api.tensors import decode

from .helpers import TRACE_BUDGET, data_url, engine_input, input_of, paper, pixels_of, png, upload, upscale

# float16 keeps 11 significant bits: relative error at most 2**-11 ~ 4.9e-4, and values
# below float16's normal range (6.1e-5) are rounded to a step of 6e-8.
FLOAT16 = {"rtol": 2**-11, "atol": 1e-7}


def step_image(step: dict) -> np.ndarray:
    """A preprocessing step's image: a greyscale PNG data URL, as uint8 (H, W)."""
    header, _, data = step["image"].partition(",")
    assert header == "data:image/png;base64"
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        assert image.mode == "L"
        return np.asarray(image)


def assert_trace_equals_engine(body: dict, model, x: np.ndarray) -> None:
    """Every layer of a trace on the wire against model.network.trace(x) computed here."""
    expected = model.network.trace(x)
    np.testing.assert_array_equal(decode(body["input"]), np.round(x * 255).astype(np.uint8))
    assert [l["name"] for l in body["layers"]] == [t.name for t in expected]
    by_name = {layer["name"]: layer for layer in body["layers"]}
    for layer, t in zip(body["layers"], expected):
        assert layer["kind"] == t.kind
        assert layer["shape"] == list(t.output.shape)
        if t.kind == "flatten":  # sent as the map below it, read in C order
            assert "output" not in layer
            layer = {**layer, "output": by_name[layer["same_as"]]["output"]}
            np.testing.assert_allclose(decode(layer["output"]).reshape(-1), t.output, **FLOAT16, err_msg=t.name)
        else:
            assert layer["output"]["dtype"] == "float16"
            np.testing.assert_allclose(decode(layer["output"]), t.output, **FLOAT16, err_msg=t.name)
        assert layer["min"] == pytest.approx(float(t.output.min()), rel=1e-6, abs=1e-12)
        assert layer["max"] == pytest.approx(float(t.output.max()), rel=1e-6, abs=1e-12)
        if t.kind in ("conv", "dense"):
            np.testing.assert_allclose(decode(layer["weighted_input"]), t.weighted_input, **FLOAT16, err_msg=t.name)
            assert layer["weighted_min"] == pytest.approx(float(t.weighted_input.min()), rel=1e-6)
            assert layer["weighted_max"] == pytest.approx(float(t.weighted_input.max()), rel=1e-6)
        else:
            assert "weighted_input" not in layer
        if t.kind == "maxpool":
            assert layer["argmax"]["dtype"] == "uint8"
            np.testing.assert_array_equal(decode(layer["argmax"]), t.argmax)
    probabilities = expected[-1].output
    np.testing.assert_allclose(body["probabilities"], probabilities, rtol=1e-6)
    assert body["label"] == int(probabilities.argmax())
    assert body["class_name"] == str(body["label"])


def test_predict_pixels_trace_equals_engine_trace(client, model, sample_digits):
    images, _ = sample_digits
    for digit in images[:5]:
        response = client.post("/api/predict", json={"pixels": pixels_of(digit)})
        assert response.status_code == 200
        body = response.json()
        assert body["model"] == "mnist" and body["preprocessing"] is None
        assert_trace_equals_engine(body, model, engine_input(digit))


def test_predict_quantises_pixels_to_8_bits_as_mnist(client, model):
    values = np.random.default_rng(1).uniform(0, 1, (28, 28))
    response = client.post("/api/predict", json={"pixels": values.tolist()})
    assert response.status_code == 200
    x = (np.round(values * 255) / 255).astype(np.float32)[None]
    assert_trace_equals_engine(response.json(), model, x)


def test_predict_accepts_a_channel_axis_and_an_explicit_model(client, model, seven):
    response = client.post("/api/predict", json={"model": "mnist", "pixels": [pixels_of(seven)]})
    assert response.status_code == 200
    assert_trace_equals_engine(response.json(), model, engine_input(seven))


def test_predict_pixels_labels_equal_engine_argmax_on_test_digits(client, model, sample_digits):
    images, labels = sample_digits
    expected = model.network.forward(images[:, None].astype(np.float32) / 255).argmax(axis=1)
    got = []
    for digit in images:
        response = client.post("/api/predict", json={"pixels": pixels_of(digit)})
        assert response.status_code == 200
        got.append(response.json()["label"])
    np.testing.assert_array_equal(got, expected)
    assert np.mean(np.array(got) == labels) >= 0.97


@pytest.mark.parametrize(
    "style",
    ["mnist-28", "paper-112"],  # white ink on black as MNIST stores it; dark ink on white paper, 4x larger
)
def test_upload_labels_official_test_digits(client, sample_digits, style):
    images, labels = sample_digits
    right = 0
    for digit, label in zip(images, labels):
        raw = png(digit if style == "mnist-28" else paper(digit, 112))
        response = upload(client, raw)
        assert response.status_code == 200
        right += response.json()["label"] == label
    # Re-centring and re-scaling an already MNIST-shaped digit costs little: the engine gets 99.3%
    # of these 300 right from the raw bytes; allow 1.5 points for the preprocessing.
    assert right / len(labels) >= 0.98


def test_upload_trace_equals_engine_trace_on_its_own_input(client, model, seven):
    response = upload(client, png(paper(seven)))
    assert response.status_code == 200
    body = response.json()
    x = (input_of(body).astype(np.float32) / 255)[None]
    assert_trace_equals_engine(body, model, x)
    assert body["label"] == 7


def test_predict_image_data_url_gives_trace_with_preprocessing(client, seven):
    response = client.post("/api/predict", json={"image": data_url(png(paper(seven, 140)))})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == 7
    pre = body["preprocessing"]
    assert pre["inverted"] is True and pre["background"] == "light"
    assert pre["original_size"] == [140, 140]
    x0, y0, x1, y1 = pre["bbox"]
    assert 0 <= x0 < x1 <= 140 and 0 <= y0 < y1 <= 140
    assert pre["scale"] > 0 and len(pre["shift"]) == 2
    assert [s["name"] for s in pre["steps"]] == ["grayscale", "cropped", "fitted", "centred"]
    for step in pre["steps"]:
        assert step["caption"]
        image = step_image(step)
        assert image.shape == (step["height"], step["width"])
    np.testing.assert_array_equal(step_image(pre["steps"][-1]), input_of(body))


def test_predict_image_accepts_plain_base64_without_data_url_header(client, seven):
    raw = png(paper(seven))
    with_header = client.post("/api/predict", json={"image": data_url(raw)})
    plain = client.post("/api/predict", json={"image": base64.b64encode(raw).decode()})
    assert with_header.status_code == 200 and plain.status_code == 200
    np.testing.assert_array_equal(input_of(plain.json()), input_of(with_header.json()))


def test_predict_image_and_upload_of_the_same_file_see_the_same_input(client, seven):
    raw = png(paper(seven))
    by_url = client.post("/api/predict", json={"image": data_url(raw)})
    by_upload = upload(client, raw)
    assert by_url.status_code == 200 and by_upload.status_code == 200
    np.testing.assert_array_equal(input_of(by_url.json()), input_of(by_upload.json()))


def test_predict_upload_of_a_canvas_drawing_uses_the_model_field(client, seven):
    response = upload(client, png(paper(seven)), model="mnist")
    assert response.status_code == 200
    assert response.json()["model"] == "mnist"


def test_predict_reports_timing_of_each_stage(client, seven):
    response = client.post("/api/predict", json={"image": data_url(png(paper(seven))), "steps": False})
    assert response.status_code == 200
    timing = response.json()["timing_us"]
    assert set(timing) >= {"parse", "preprocess", "forward", "encode", "total"}
    assert all(isinstance(v, int) and v >= 0 for v in timing.values())
    assert timing["total"] >= timing["forward"] + timing["encode"]


def test_predict_pixels_trace_is_under_48_kb_uncompressed(client, sample_digits):
    images, _ = sample_digits
    for digit in images[:20]:
        response = client.post(
            "/api/predict", json={"pixels": pixels_of(digit)}, headers={"Accept-Encoding": "identity"}
        )
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert len(response.content) <= TRACE_BUDGET


def test_predict_image_trace_without_steps_is_under_48_kb_uncompressed(client, seven):
    body = {"image": data_url(png(paper(seven, 400))), "steps": False}
    response = client.post("/api/predict", json=body, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.json()["preprocessing"]["steps"] == []
    assert len(response.content) <= TRACE_BUDGET


def test_predict_page_style_drawing_with_preprocessing_steps_is_under_48_kb(client, sample_digits):
    # What the page sends at the end of a stroke: its 280x280 canvas (white ink on black) as a
    # PNG data URL, asking for the preprocessing pictures.
    images, _ = sample_digits
    for digit in images[:20]:
        body = {"image": data_url(png(upscale(digit, 280))), "steps": True}
        response = client.post("/api/predict", json=body, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200
        assert len(response.json()["preprocessing"]["steps"]) == 4
        assert len(response.content) <= TRACE_BUDGET


def test_predict_honours_gzip_when_asked(client, seven):
    plain = client.post("/api/predict", json={"pixels": pixels_of(seven)}, headers={"Accept-Encoding": "identity"})
    zipped = client.post("/api/predict", json={"pixels": pixels_of(seven)}, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) < len(plain.content) * 0.6
    plain_body, zipped_body = plain.json(), zipped.json()
    del plain_body["timing_us"], zipped_body["timing_us"]
    assert zipped_body == plain_body


def test_gzip_body_decompresses_to_the_json_trace(client, seven):
    # Read the raw bytes off the wire, to check they really are gzip and not decoded by the client.
    with client.stream(
        "POST", "/api/predict", json={"pixels": pixels_of(seven)}, headers={"Accept-Encoding": "gzip"}
    ) as r:
        assert r.status_code == 200
        raw = b"".join(r.iter_raw())
    assert raw[:2] == b"\x1f\x8b"
    assert orjson.loads(gzip.decompress(raw))["label"] == 7


def test_step_images_are_the_stages_a_page_shows(client, seven):
    response = upload(client, png(paper(seven, 100)))
    assert response.status_code == 200
    steps = {s["name"]: step_image(s) for s in response.json()["preprocessing"]["steps"]}
    fitted = steps["fitted"]
    assert max(fitted.shape) == 20  # the bounding box scaled to fit 20x20
    assert steps["centred"].shape == (28, 28)
    # The grey-level step is already inverted to white ink on black: a dark border.
    assert steps["grayscale"][0].mean() < 20
