"""/api/models/{id}/exemplars takes `channel` for a layer of maps and `index` for a dense layer.
Sent both, it says which one the layer takes rather than answering the one and dropping the
other: a student asking for fc1 unit 3 "in channel 2" would otherwise take the answer for unit 3
as an answer about channel 2."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("query", "takes", "not_taken"), [
    ("layer=fc1&index=3&channel=2", "index", "channel"),
    ("layer=conv1&channel=0&index=3", "channel", "index"),
])
def test_exemplars_refuse_the_unit_field_the_layer_does_not_take(client, query, takes, not_taken):
    response = client.get(f"/api/models/mnist/exemplars?{query}")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert f"not {not_taken}" in detail and f"send {takes} alone" in detail, detail


def test_exemplars_with_the_one_field_still_answer(client):
    for layer, key, unit in (("fc1", "index", 3), ("conv1", "channel", 0)):
        response = client.get(f"/api/models/mnist/exemplars?layer={layer}&{key}={unit}")
        assert response.status_code == 200
        body = response.json()
        assert (body["layer"], body[key], len(body["items"])) == (layer, unit, 9)
