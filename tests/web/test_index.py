"""GET / without a browser: the page renders, links only same-origin assets through /static,
and carries nothing the Content-Security-Policy would block (inline scripts, style
attributes, event-handler attributes, remote URLs). Runs even where Chromium is missing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html):
    parser = Collect()
    parser.feed(html)
    return parser.tags


def test_index_renders_with_the_default_model_and_the_hooks(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    tags = _tags(response.text)
    body = next(attrs for tag, attrs in tags if tag == "body")
    assert body["data-model"] == "mnist"
    test_ids = {attrs.get("data-testid") for _, attrs in tags}
    assert {"draw-pad", "upload", "prediction", "unit-detail"} <= test_ids


def test_index_has_nothing_the_csp_blocks(client):
    html = client.get("/").text
    for tag, attrs in _tags(html):
        assert "style" not in attrs, f"inline style on <{tag}>"
        assert not any(name.startswith("on") for name in attrs), f"event handler attribute on <{tag}>"
        if tag == "script":
            assert attrs.get("src") and attrs.get("type") == "module"
        for name in ("src", "href"):
            url = attrs.get(name, "")
            assert not re.match(r"^(https?:)?//(?!testserver/)", url), f"remote {name} {url}"
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"


def test_every_linked_asset_is_served(client):
    html = client.get("/").text
    links = [attrs.get("src") or attrs.get("href") for tag, attrs in _tags(html) if tag in ("script", "link")]
    assert links
    for url in links:
        path = re.sub(r"^https?://[^/]+", "", url)
        assert path.startswith("/static/")
        assert client.get(path).status_code == 200, path


def test_every_module_import_resolves(client):
    """Each ES module's relative imports name files that exist under /static/js."""
    seen, queue = set(), ["main.js"]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        response = client.get(f"/static/js/{name}")
        assert response.status_code == 200, name
        queue += re.findall(r'^import .* from "\./([\w.-]+\.js)";', response.text, flags=re.MULTILINE)
    assert len(seen) > 10
