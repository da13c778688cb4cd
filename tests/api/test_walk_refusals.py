"""Refusals a script or a curious student meets by hand say what to send instead: the
framework's own words ("Method Not Allowed", "Missing boundary in multipart.", "file: Field
required") say nothing a student can act on."""

from __future__ import annotations

import pytest

from .helpers import paper, png, upload


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/api/predict", "POST"),
    ("PUT", "/api/models/mnist", "GET"),
    ("DELETE", "/api/saliency", "POST"),
])
def test_a_wrong_method_names_the_methods_to_use(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    detail = response.json()["detail"]
    assert path in detail and method in detail and allowed in detail and detail.endswith("."), detail


def test_an_upload_without_a_boundary_says_to_send_a_form(client):
    response = client.post("/api/predict/upload", content=b"abc", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "multipart/form-data" in detail and "field named file" in detail, detail


@pytest.mark.parametrize("form", [
    {"files": {"picture": ("seven.png", b"\x89PNG", "image/png")}},  # the file under another name
    {"data": {"model": "mnist"}},  # no file at all
    {"json": {"file": "a picture"}},  # not a form
])
def test_an_upload_without_its_file_field_says_where_the_file_goes(client, form):
    response = client.post("/api/predict/upload", **form)
    assert response.status_code == 422
    assert "field named file" in response.json()["detail"]


def test_two_pictures_in_one_upload_are_refused_with_a_sentence(client, mnist_test):
    picture = png(mnist_test[0][0])
    files = [("file", ("a.png", picture, "image/png")), ("file", ("b.png", picture, "image/png"))]
    response = client.post("/api/predict/upload", files=files)
    assert response.status_code == 400
    assert "field named file" in response.json()["detail"]


def test_an_upload_in_a_form_is_still_read(client, mnist_test):
    images, labels = mnist_test
    response = upload(client, png(paper(images[0])), model="mnist")
    assert response.status_code == 200
    assert response.json()["label"] == int(labels[0])


@pytest.mark.parametrize("sent", ["m" * 5000, ["x"] * 2000])
def test_an_unknown_model_is_named_but_not_echoed_whole(client, sent):
    response = client.post("/api/predict", json={"model": sent, "pixels": [[0.0] * 28] * 28})
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail.startswith("No model ") and "Available models: " in detail and "mnist" in detail
    assert len(detail) < 200, f"{len(detail)} characters"


@pytest.mark.parametrize(("body", "said"), [
    ({"epochs": "x"}, "epochs must be a whole number"),
    ({"epochs": 1.5}, "epochs must be a whole number"),
    ({"epochs": 0}, "epochs must be at least 1"),
    ({"lr": 0}, "lr must be more than 0"),
    ({"augment": -1}, "augment must be true or false"),
    ({"dataset": "cifar"}, "dataset must be 'mnist' or 'fashion-mnist'"),
    ({"learning_rate": 0.1}, "learning_rate is not a field this request takes"),
])
def test_a_training_request_out_of_bounds_is_said_as_a_rule(client, body, said):
    """The validator's own words ("Input should be greater than or equal to 1") are said as a
    rule about the field, the words the Train panel shows a student."""
    response = client.post("/api/train", json=body)
    assert response.status_code == 422
    assert said in response.json()["detail"]
