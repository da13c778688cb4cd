"""What every response carries (security headers) and the request-body limit, checked both at
the ASGI level (counting the bytes the app pulls) and against a real uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import orjson
import pytest
import uvicorn

from app.main import create_app

from .helpers import MAX_BODY, pixels_of, png, upload

CHUNK = 64 * 1024
PLENTY = 12 * MAX_BODY  # what a hostile client would send if nobody stopped it


# -- security headers ----------------------------------------------------------------------
def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    policy = csp_directives(response.headers["content-security-policy"])
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    assert policy["object-src"] == ["'none'"]
    assert "frame-ancestors" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


REQUESTS = {
    "health": lambda c, d: c.get("/healthz"),
    "models": lambda c, d: c.get("/api/models"),
    "weights": lambda c, d: c.get("/api/models/mnist/weights"),
    "page": lambda c, d: c.get("/"),
    "predict": lambda c, d: c.post("/api/predict", json={"pixels": pixels_of(d)}),
    "predict gzip": lambda c, d: c.post(
        "/api/predict", json={"pixels": pixels_of(d)}, headers={"Accept-Encoding": "gzip"}
    ),
    "upload": lambda c, d: upload(c, png(d)),
    "404": lambda c, d: c.get("/nope"),
    "405": lambda c, d: c.delete("/api/models"),
    "422": lambda c, d: c.post("/api/predict", content=b"{"),
    "413": lambda c, d: c.post("/api/predict", content=b"0" * (MAX_BODY + 1)),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_responses_carry_security_headers(client, seven, name):
    response = REQUESTS[name](client, seven)
    assert response.status_code < 500
    assert_security_headers(response)


# -- the body limit, at the ASGI level ------------------------------------------------------
def run_asgi(app, path: str, headers: list[tuple[bytes, bytes]], body_chunks) -> tuple[int, dict, int]:
    """Send one request straight to the ASGI app; returns (status, JSON body, bytes it pulled)."""
    pulled = 0
    chunks = iter(body_chunks)
    messages = []

    async def receive():
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, orjson.loads(body), pulled


def endless(first: bytes = b""):
    """A streamed body with no end in sight (up to PLENTY bytes, so a broken limit cannot hang)."""
    if first:
        yield first
    sent = len(first)
    while sent < PLENTY:
        yield b"7" * CHUNK
        sent += CHUNK


MULTIPART_START = (
    b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\n'
    b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n"
)
ROUTES = {
    "predict": ("/api/predict", b"application/json", b'{"pixels": ['),
    "upload": ("/api/predict/upload", b"multipart/form-data; boundary=b0undary", MULTIPART_START),
    "explain": ("/api/explain", b"application/json", b'{"pixels": ['),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_body_over_5_mb_declared_in_content_length_is_413_before_reading_any(client, route):
    path, content_type, _ = ROUTES[route]
    headers = [(b"content-type", content_type), (b"content-length", str(MAX_BODY + 1).encode())]
    status, body, pulled = run_asgi(client.app, path, headers, endless())
    assert status == 413
    assert "too large" in body["detail"] and "5 MB" in body["detail"]
    assert pulled == 0


@pytest.mark.parametrize("route", list(ROUTES))
def test_streamed_body_over_5_mb_is_413_without_reading_it_all(client, route):
    path, content_type, start = ROUTES[route]
    status, body, pulled = run_asgi(client.app, path, [(b"content-type", content_type)], endless(start))
    assert status == 413
    assert "too large" in body["detail"]
    assert MAX_BODY < pulled <= MAX_BODY + CHUNK + len(start)  # stopped at the first chunk past the limit


def test_content_length_that_is_not_a_number_is_refused(client):
    status, _, pulled = run_asgi(client.app, "/api/predict", [(b"content-length", b"-1")], endless())
    assert 400 <= status < 500 and pulled == 0


def test_body_of_exactly_5_mb_is_read_and_judged_on_its_content(client):
    body = b" " * (MAX_BODY - 2) + b"[]"  # valid JSON, but not an object
    response = client.post("/api/predict", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "JSON object" in response.json()["detail"]


def test_upload_over_5_mb_is_413(client):
    response = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(MAX_BODY))
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


# -- the body limit, against a real server ---------------------------------------------------
@pytest.fixture(scope="module")
def server():
    """The app served by uvicorn in a thread on a free loopback port; yields (host, port)."""
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="error", access_log=False)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (instance.started and instance.servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    host, port = instance.servers[0].sockets[0].getsockname()[:2]
    yield host, port
    instance.should_exit = True
    thread.join(timeout=5)


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")), 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(head.split()[1]), rest


def test_server_answers_413_to_a_huge_content_length_without_waiting_for_the_body(server):
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        status, body = read_response(sock)  # a server waiting for 50 MB would time out here
    assert status == 413
    assert "too large" in orjson.loads(body)["detail"]


def test_server_answers_413_to_a_chunked_body_before_it_ends(server):
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
        for _ in range(MAX_BODY // CHUNK + 2):  # just past the limit, and never the final 0-size chunk
            sock.sendall(chunk)
        status, body = read_response(sock)
    assert status == 413
    assert "too large" in orjson.loads(body)["detail"]


def test_server_keeps_serving_after_refusing_large_bodies(server, seven):
    for _ in range(3):
        test_server_answers_413_to_a_huge_content_length_without_waiting_for_the_body(server)
    body = orjson.dumps({"pixels": pixels_of(seven)})
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        status, answer = read_response(sock)
    assert status == 200
    assert orjson.loads(answer)["label"] == 7


# -- what the policy allows, directive by directive ------------------------------------------
OWN_SOURCES = {"'self'", "'none'", "data:", "blob:"}  # the page loads nothing from elsewhere (offline)


def test_content_security_policy_allows_only_the_page_own_origin(client):
    """Every source any directive names is the page's own origin (or a data/blob picture): no
    inline script or style, no other host, and no page may frame this one (clickjacking)."""
    response = client.get("/")
    policy = csp_directives(response.headers["content-security-policy"])
    for directive, sources in policy.items():
        assert set(sources) <= OWN_SOURCES, (directive, sources)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    for directive in ("default-src", "script-src", "style-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    assert response.headers["x-frame-options"] == "DENY"
