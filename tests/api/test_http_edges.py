"""HTTP details around the routes: HEAD, links that ignore the Host header, and what an
unexpected error looks like (one 500 with a sentence and the security headers, one traceback)."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

from .test_middleware import assert_security_headers

GET_ROUTES = ["/", "/healthz", "/api/models", "/api/models/mnist", "/static/js/main.js", "/static/css/base.css"]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_head_answers_like_get_with_headers_only(client, path):
    identity = {"Accept-Encoding": "identity"}
    got = client.get(path, headers=identity)
    head = client.head(path, headers=identity)
    assert head.status_code == 200 == got.status_code
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["content-type"] == got.headers["content-type"]
    assert_security_headers(head)


def test_head_on_a_post_only_route_is_405(client):
    response = client.head("/api/predict")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


SRC_OR_HREF = re.compile(r'\b(?:src|href)="([^"]*)"')


@pytest.mark.parametrize("path, accept", [("/", "text/html"), ("/no-such-page", "text/html")])
def test_page_links_are_the_same_whatever_the_host_header_says(client, path, accept):
    honest = client.get(path, headers={"Accept": accept})
    spoofed = client.get(path, headers={"Accept": accept, "Host": "evil.example:666"})
    assert spoofed.status_code == honest.status_code
    assert "evil.example" not in spoofed.text
    links = SRC_OR_HREF.findall(spoofed.text)
    assert links and links == SRC_OR_HREF.findall(honest.text)
    for url in links:
        assert url.startswith(("/", "#")) and not url.startswith("//"), url


@pytest.fixture
def failing_client():
    app = create_app()

    @app.get("/api/boom")
    async def explode():
        raise RuntimeError("a bug in a handler")

    # raise_server_exceptions=True: an exception that escapes the app fails the test, as it
    # would reach the server and be logged by it a second time.
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


def test_unexpected_error_is_one_500_with_a_sentence_and_the_security_headers(failing_client, caplog):
    with caplog.at_level(logging.INFO):
        response = failing_client.get("/api/boom")
    assert response.status_code == 500
    assert "went wrong" in response.json()["detail"]
    assert "RuntimeError" not in response.text and "Traceback" not in response.text
    assert_security_headers(response)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "a bug in a handler" in caplog.text


def test_server_keeps_answering_after_an_unexpected_error(failing_client):
    assert failing_client.get("/api/boom").status_code == 500
    assert failing_client.get("/healthz").status_code == 200


def test_head_sends_no_body_bytes_to_the_server(client):
    """At the ASGI level (which the test client hides: it drops a HEAD answer's body itself), the
    app hands the server headers and an empty body, whatever server it runs under."""
    import asyncio

    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "HEAD",
             "scheme": "http", "path": "/api/models", "raw_path": b"/api/models", "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1),
             "server": ("testserver", 80), "state": {}, "app": client.app}
    asyncio.run(client.app.middleware_stack(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    length = int(dict(start["headers"])[b"content-length"])
    assert start["status"] == 200 and length > 0
    assert b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body") == b""
