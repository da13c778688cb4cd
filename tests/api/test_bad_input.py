"""Bad requests get a clear 4xx naming the problem, never a 500, and the server keeps serving."""

from __future__ import annotations

import base64
import numpy as np
import pytest

from .helpers import MAX_BODY, data_url, image_bytes, pixels_of, png, upload

ZEROS = [[0.0] * 28 for _ in range(28)]


def post_raw(client, path: str, body: bytes):
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def raw_pixels(literal: str, row: int = 3, col: int = 5) -> bytes:
    """A predict body written by hand, with `literal` (NaN, Infinity, null...) at one pixel."""
    rows = []
    for y in range(28):
        cells = ["0"] * 28
        if y == row:
            cells[col] = literal
        rows.append("[" + ",".join(cells) + "]")
    return ('{"pixels": [' + ",".join(rows) + "]}").encode()


# -- pixels --------------------------------------------------------------------------------
WRONG_SHAPES = {
    "27 rows": [[0.0] * 28 for _ in range(27)],
    "27 columns": [[0.0] * 27 for _ in range(28)],
    "flat 784": [0.0] * 784,
    "two channels": [ZEROS, ZEROS],
    "ragged rows": [[0.0] * 28 for _ in range(27)] + [[0.0] * 5],
    "empty list": [],
    "one number": 0.5,
    "a string": "0" * 784,
    "rows of strings": [["a"] * 28 for _ in range(28)],
    "an object": {"0": [0.0] * 28},
    "too deep": [[[0.0] * 28] * 28] * 2,
    "56x56": [[0.0] * 56 for _ in range(56)],
}


@pytest.mark.parametrize("name", list(WRONG_SHAPES))
def test_predict_rejects_pixels_of_wrong_shape(client, name):
    response = client.post("/api/predict", json={"pixels": WRONG_SHAPES[name]})
    assert response.status_code == 422
    assert "28x28" in response.json()["detail"]


@pytest.mark.parametrize("row, col", [(0, 0), (27, 27), (13, 14)])
def test_predict_rejects_nan_pixels(client, row, col):
    response = post_raw(client, "/api/predict", raw_pixels("NaN", row, col))
    assert response.status_code == 422
    assert "NaN" in response.json()["detail"]


def test_predict_rejects_null_pixels_as_not_a_number(client):
    # What JSON.stringify writes for NaN in a browser.
    response = post_raw(client, "/api/predict", raw_pixels("null"))
    assert response.status_code == 422
    assert "null" in response.json()["detail"]


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "1e999"])
def test_predict_rejects_infinite_pixels(client, literal):
    response = post_raw(client, "/api/predict", raw_pixels(literal))
    assert response.status_code == 422
    assert "infinite" in response.json()["detail"]


@pytest.mark.parametrize(
    "value, shown", [(-0.01, "-0.01"), (1.5, "1.5"), (255, "255"), (-1e30, "-1e+30"), (1e300, "1e+300")]
)
def test_predict_rejects_pixels_outside_0_to_1(client, value, shown):
    pixels = [row[:] for row in ZEROS]
    pixels[10][10] = value
    response = client.post("/api/predict", json={"pixels": pixels})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "between 0 and 1" in detail and shown in detail


def test_predict_rejects_an_integer_too_large_for_a_float(client):
    response = post_raw(client, "/api/predict", raw_pixels("1" + "0" * 400))
    assert response.status_code == 422
    assert "28x28" in response.json()["detail"]


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("path", ["/api/predict", "/api/explain"])
def test_pixels_mixing_booleans_with_numbers_are_refused(client, path, value):
    pixels = [row[:] for row in ZEROS]
    pixels[7][9] = value  # NumPy alone would read true as 1.0 and let it through
    response = client.post(path, json={"pixels": pixels, "layer": "fc1", "index": 0})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "true or false" in detail and "28x28" in detail


def test_pixels_of_several_channels_for_a_one_channel_model_are_refused(client):
    response = client.post("/api/predict", json={"pixels": [ZEROS, ZEROS, ZEROS]})
    assert response.status_code == 422
    assert "28x28" in response.json()["detail"]


def test_pixels_given_as_one_channel_map_are_accepted(client):
    response = client.post("/api/predict", json={"pixels": [ZEROS]})
    assert response.status_code == 200


@pytest.mark.parametrize("steps", ["false", 0, 1, None, "no", [], {}])
def test_predict_steps_must_be_true_or_false(client, steps):
    image = data_url(png(np.zeros((28, 28), np.uint8)))
    response = client.post("/api/predict", json={"image": image, "steps": steps})
    assert response.status_code == 422
    assert "steps must be true or false" in response.json()["detail"]


@pytest.mark.parametrize("steps, pictures", [(True, True), (False, False)])
def test_predict_steps_true_or_false_decide_the_pictures(client, steps, pictures):
    blob = np.zeros((56, 56), np.uint8)
    blob[10:46, 24:32] = 255  # a white stroke on black, like a 1
    image = data_url(png(blob))
    response = client.post("/api/predict", json={"image": image, "steps": steps})
    assert response.status_code == 200
    assert bool(response.json()["preprocessing"]["steps"]) is pictures


def test_large_body_of_a_million_numbers_is_refused_without_parsing_them(client):
    body = b'{"pixels": [' + b",".join([b"[" + b",".join([b"0.5"] * 1000) + b"]"] * 1000) + b"]}"
    assert len(body) < MAX_BODY
    response = post_raw(client, "/api/predict", body)
    assert response.status_code == 422
    assert "too many values" in response.json()["detail"]


def test_large_body_with_one_long_string_is_parsed(client):
    # A photo as a data URL is the one large thing a request carries: it must get through
    # to the image checks (here it is not a real image, so they refuse it).
    body = b'{"image": "data:image/png;base64,' + b"A" * (2 * 1024 * 1024) + b'"}'
    response = post_raw(client, "/api/predict", body)
    assert 400 <= response.status_code < 500
    assert "too many values" not in response.json()["detail"] and "JSON" not in response.json()["detail"]


def test_predict_accepts_the_extremes_0_and_1(client):
    pixels = [row[:] for row in ZEROS]
    pixels[14] = [1.0] * 28
    response = client.post("/api/predict", json={"pixels": pixels})
    assert response.status_code == 200


def test_predict_rejects_both_pixels_and_image(client):
    response = client.post("/api/predict", json={"pixels": ZEROS, "image": "data:image/png;base64,AAAA"})
    assert response.status_code == 422
    assert "either pixels" in response.json()["detail"]


def test_predict_rejects_neither_pixels_nor_image(client):
    response = client.post("/api/predict", json={"model": "mnist"})
    assert response.status_code == 422
    assert "either pixels" in response.json()["detail"]


@pytest.mark.parametrize("image", [123, None, ["data:"], {"data": "x"}])
def test_predict_rejects_image_that_is_not_a_string(client, image):
    response = client.post("/api/predict", json={"image": image})
    assert response.status_code == 422
    assert "image must be a string" in response.json()["detail"]


@pytest.mark.parametrize(
    "image, reason",
    [
        ("data:image/png;base64,@@@not base64@@@", "base64"),
        ("data:image/png,plain-text-not-base64", "base64"),
        ("not base64 at all!", "base64"),
        ("", "empty"),
        ("data:image/png;base64,", "empty"),
    ],
)
def test_predict_rejects_image_that_is_not_base64_data(client, image, reason):
    response = client.post("/api/predict", json={"image": image})
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_predict_of_unknown_model_is_404(client):
    response = client.post("/api/predict", json={"model": "cifar", "pixels": ZEROS})
    assert response.status_code == 404
    assert "mnist" in response.json()["detail"]


# -- JSON itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"{'pixels': []}", b'{"pixels": [[0,]]}', b"pixels=0", b"\xff\xfe\x00", b"[" * 100_000, b"{}}"],
    ids=[
        "empty",
        "unclosed",
        "single quotes",
        "trailing comma",
        "form encoded",
        "binary",
        "deeply nested",
        "extra brace",
    ],
)
@pytest.mark.parametrize("path", ["/api/predict", "/api/explain"])
def test_malformed_json_is_422(client, path, body):
    response = post_raw(client, path, body)
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"[]", b"[1, 2]", b"3", b'"pixels"', b"null", b"true"])
@pytest.mark.parametrize("path", ["/api/predict", "/api/explain"])
def test_json_that_is_not_an_object_is_422(client, path, body):
    response = post_raw(client, path, body)
    assert response.status_code == 422
    assert "JSON object" in response.json()["detail"]


# -- explain -------------------------------------------------------------------------------
OUTSIDE = [
    ("conv1", {"channel": 6, "y": 0, "x": 0}, "channel=6"),
    ("conv1", {"channel": 0, "y": 28, "x": 0}, "y=28"),
    ("conv1", {"channel": 0, "y": 0, "x": -1}, "x=-1"),
    ("pool1", {"channel": 0, "y": 14, "x": 0}, "y=14"),
    ("conv2", {"channel": 16, "y": 0, "x": 0}, "channel=16"),
    ("pool2", {"channel": 0, "y": 0, "x": 5}, "x=5"),
    ("flatten", {"index": 400}, "index=400"),
    ("fc1", {"index": -1}, "index=-1"),
    ("fc3", {"index": 10}, "index=10"),
    ("softmax", {"index": 10**12}, "index="),
]


@pytest.mark.parametrize("layer, unit, named", OUTSIDE, ids=[f"{l}-{n}" for l, _, n in OUTSIDE])
def test_explain_of_a_unit_outside_the_layer_is_422(client, layer, unit, named):
    response = client.post("/api/explain", json={"pixels": ZEROS, "layer": layer, **unit})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert named in detail and "outside" in detail and layer in detail


@pytest.mark.parametrize(
    "unit",
    [
        {},
        {"channel": 0, "y": 0},
        {"channel": 0.5, "y": 0, "x": 0},
        {"channel": True, "y": 0, "x": 0},
        {"channel": "0", "y": 0, "x": 0},
        {"index": 3},
    ],
    ids=["none", "missing x", "float", "bool", "string", "index on a map"],
)
def test_explain_of_a_map_unit_needs_integer_channel_y_x(client, unit):
    response = client.post("/api/explain", json={"pixels": ZEROS, "layer": "conv1", **unit})
    assert response.status_code == 422
    assert "integer" in response.json()["detail"]


def test_explain_of_a_vector_unit_needs_an_integer_index(client):
    response = client.post("/api/explain", json={"pixels": ZEROS, "layer": "fc1", "channel": 0, "y": 0, "x": 0})
    assert response.status_code == 422
    assert "index" in response.json()["detail"]


@pytest.mark.parametrize("layer", ["conv9", "input", "", None, 3, ["conv1"]])
def test_explain_of_an_unknown_layer_is_422_listing_the_layers(client, layer):
    response = client.post("/api/explain", json={"pixels": ZEROS, "layer": layer, "channel": 0, "y": 0, "x": 0})
    assert response.status_code == 422
    assert "conv1" in response.json()["detail"]


@pytest.mark.parametrize("pixels, named", [(None, "28x28"), ([[0.0] * 3], "28x28"), ("x", "28x28")])
def test_explain_rejects_bad_pixels(client, pixels, named):
    response = client.post("/api/explain", json={"pixels": pixels, "layer": "conv1", "channel": 0, "y": 0, "x": 0})
    assert response.status_code == 422
    assert named in response.json()["detail"]


def test_explain_rejects_nan_pixels(client):
    body = raw_pixels("NaN")[:-1] + b', "layer": "conv1", "channel": 0, "y": 0, "x": 0}'
    response = post_raw(client, "/api/explain", body)
    assert response.status_code == 422
    assert "NaN" in response.json()["detail"]


def test_explain_of_unknown_model_is_404(client):
    response = client.post("/api/explain", json={"model": "nope", "pixels": ZEROS, "layer": "fc1", "index": 0})
    assert response.status_code == 404


# -- after all that, the server still works -------------------------------------------------
def test_server_still_answers_a_good_request_after_a_barrage_of_bad_ones(client, seven):
    bad = [
        lambda: post_raw(client, "/api/predict", raw_pixels("NaN")),
        lambda: post_raw(client, "/api/predict", b"[" * 50_000),
        lambda: post_raw(client, "/api/predict", b"\x00" * 1000),
        lambda: client.post("/api/predict", json={"pixels": [[2.0] * 28] * 28}),
        lambda: client.post("/api/predict", json={"image": data_url(b"GIF89a" + b"\xff" * 50)}),
        lambda: client.post(
            "/api/predict", content=b"x" * (MAX_BODY + 1), headers={"Content-Type": "application/json"}
        ),
        lambda: upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 300),
        lambda: upload(client, png(np.full((64, 64), 255, np.uint8))),
        lambda: upload(client, b"<svg/>"),
        lambda: client.post("/api/explain", json={"pixels": ZEROS, "layer": "conv1", "channel": 99, "y": 0, "x": 0}),
        lambda: client.get("/api/models/../../etc/passwd"),
        lambda: client.post(
            "/api/predict/upload", content=b"--b\r\n\r\n", headers={"Content-Type": "multipart/form-data; boundary=b"}
        ),
    ]
    for _ in range(5):
        for send in bad:
            response = send()
            assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    response = client.post("/api/predict", json={"pixels": pixels_of(seven)})
    assert response.status_code == 200
    assert response.json()["label"] == 7


# -- large bodies: read in slices off the event loop, same answers as small ones ------------
def noisy_photo() -> bytes:
    """A PNG of over 64 KB (noise on paper, so it does not compress) with a dark stroke on it."""
    rng = np.random.default_rng(5)
    paper = rng.integers(200, 256, (300, 300), dtype=np.uint8)
    paper[60:240, 140:160] = rng.integers(0, 40, (180, 20), dtype=np.uint8)
    return png(paper)


def test_large_data_url_gives_the_same_trace_as_uploading_the_file(client):
    raw = noisy_photo()
    assert len(data_url(raw)) > 64 * 1024  # past the size where bodies are parsed off the event loop
    by_json = client.post("/api/predict", json={"image": data_url(raw), "steps": False})
    by_upload = upload(client, raw)
    assert by_json.status_code == 200 == by_upload.status_code
    assert by_json.json()["input"] == by_upload.json()["input"]
    assert by_json.json()["probabilities"] == by_upload.json()["probabilities"]


def test_large_bare_base64_image_is_read_like_a_data_url(client):
    raw = noisy_photo()
    bare = client.post("/api/predict", json={"image": data_url(raw).partition(",")[2]})
    assert bare.status_code == 200
    assert bare.json()["input"] == upload(client, raw).json()["input"]


@pytest.mark.parametrize(
    "image, reason",
    [
        ("data:image/png;base64," + "A" * 100_000 + "@@", "base64"),
        ("data:image/png," + "A" * 100_000, "base64-encoded"),
        ("A" * 50_000 + "=" + "A" * 50_000, "base64"),
    ],
    ids=["bad character at the end", "not base64 data URL", "padding in the middle"],
)
def test_large_image_that_is_not_base64_is_422(client, image, reason):
    response = client.post("/api/predict", json={"image": image})
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_large_body_with_escaped_characters_is_422(client):
    body = b'{"image": "data:image/png;base64,' + b"A" * 100_000 + b'\\u0041"}'
    response = post_raw(client, "/api/predict", body)
    assert response.status_code == 422
    assert "escaped" in response.json()["detail"]


def test_large_body_keeps_its_short_fields(client):
    body = {"model": "fashion", "image": data_url(noisy_photo()), "steps": False}
    response = client.post("/api/predict", json=body)
    assert response.status_code == 200
    assert response.json()["model"] == "fashion" and response.json()["preprocessing"]["steps"] == []


@pytest.mark.parametrize("path", ["/api/predict", "/api/explain"])
def test_body_of_too_many_values_is_refused_before_it_is_all_read(client, path):
    from .test_middleware import CHUNK, run_asgi

    row = b"[" + b",".join([b"0.5"] * 28) + b"],"
    chunks = [b'{"pixels": ['] + [row * (CHUNK // len(row))] * 70  # about 4.5 MB, 640,000 numbers
    status, body, pulled = run_asgi(client.app, path, [(b"content-type", b"application/json")], chunks)
    assert status == 422
    assert "too many values" in body["detail"]
    assert pulled < 1024 * 1024  # stopped after the first 100,000 commas, not at the end


@pytest.mark.parametrize(("start", "named"), [(b"%PDF-1.7\n", "PDF"), (b"just some bytes", "not an image")])
def test_large_string_that_is_not_a_picture_is_refused_naming_what_it_is(client, start, named):
    data = base64.b64encode(start + bytes(range(256)) * 8000).decode()  # ~2.7 MB of base64
    response = client.post("/api/predict", json={"image": "data:image/png;base64," + data})
    assert response.status_code == 415
    assert named in response.json()["detail"]


def test_a_body_of_64_kib_is_parsed_on_the_event_loop_and_one_byte_more_in_the_parser_thread():
    import asyncio
    import threading

    from app.api.bodies import off_loop_if_large

    def thread_of(body):
        return threading.current_thread()

    async def scenario():
        loop_thread = threading.current_thread()
        at_limit = await off_loop_if_large(b" " * (64 * 1024), thread_of)
        past = await off_loop_if_large(b" " * (64 * 1024 + 1), thread_of)
        return loop_thread, at_limit, past

    loop_thread, at_limit, past = asyncio.run(scenario())
    assert at_limit is loop_thread
    assert past is not loop_thread and past.name.startswith("cnnvis-json")


@pytest.mark.parametrize("fmt", ["BMP", "WEBP"])
def test_a_large_bmp_or_webp_data_url_is_read_like_the_uploaded_file(client, fmt):
    from PIL import Image

    rng = np.random.default_rng(6)
    grey = rng.integers(200, 256, (400, 400), dtype=np.uint8)
    grey[80:320, 185:215] = rng.integers(0, 40, (240, 30), dtype=np.uint8)
    raw = image_bytes(Image.fromarray(grey, "L").convert("RGB"), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    url = data_url(raw, f"image/{fmt.lower()}")
    assert len(url) > 64 * 1024
    by_json = client.post("/api/predict", json={"image": url, "steps": False})
    by_upload = upload(client, raw, filename="digit", mime=f"image/{fmt.lower()}")
    assert by_json.status_code == 200 == by_upload.status_code, by_json.text
    assert by_json.json()["input"] == by_upload.json()["input"]


def test_a_large_string_whose_base64_does_not_end_on_a_whole_quartet_is_422(client):
    # 100,001 letters: the first slice decodes (to zeros, no picture), the rest cannot.
    response = client.post("/api/predict", json={"image": "data:image/png;base64," + "A" * 100_001})
    assert response.status_code == 422
    assert "not valid base64" in response.json()["detail"]
