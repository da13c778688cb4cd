"""/api/saliency and /api/adversary say so when a field is not theirs, rather than answering as
if it were not there: a misspelt "clas" would explain the network's own answer instead of the
class asked for, and lab edits sent along would seem applied to an unedited network."""

from __future__ import annotations

import pytest

from .helpers import pixels_of


@pytest.fixture(scope="module")
def seven(mnist_test):
    images, labels = mnist_test
    return pixels_of(images[list(labels).index(7)])


@pytest.mark.parametrize(("route", "extra"), [
    ("/api/saliency", {"method": "gradient", "clas": 3}),
    ("/api/adversary", {"epsilon": 0.1, "taget": 3}),
])
def test_a_misspelt_field_is_named_in_a_422(client, seven, route, extra):
    response = client.post(route, json={"model": "mnist", "pixels": seven, **extra})
    assert response.status_code == 422
    detail = response.json()["detail"]
    misspelt = next(k for k in extra if k not in ("method", "epsilon"))
    assert misspelt in detail and "fields are" in detail, detail


@pytest.mark.parametrize("route", ["/api/saliency", "/api/adversary"])
@pytest.mark.parametrize("lab", [{"edits": [{"layer": "conv1", "channel": 0, "ablate": True}]},
                                 {"transform": {"dx": 3}}])
def test_lab_edits_and_transforms_are_refused_not_ignored(client, seven, route, lab):
    body = {"model": "mnist", "pixels": seven, "method": "gradient", "epsilon": 0.1, **lab}
    if route == "/api/adversary":
        del body["method"]
    else:
        del body["epsilon"]
    response = client.post(route, json=body)
    assert response.status_code == 422
    assert "does not apply edits or a transform" in response.json()["detail"]


def test_every_documented_field_is_still_taken(client, seven):
    """The fields docs/api.md lists, all at once (the page sends a subset of them)."""
    saliency = {"model": "mnist", "pixels": seven, "method": "occlusion", "class": 3, "patch": 4, "stride": 4,
                "fill": 0.0, "layer": None, "randomize": False}
    assert client.post("/api/saliency", json=saliency).status_code == 200
    adversary = {"model": "mnist", "pixels": seven, "epsilon": 0.1, "target": 3, "steps": 2}
    assert client.post("/api/adversary", json=adversary).status_code == 200
