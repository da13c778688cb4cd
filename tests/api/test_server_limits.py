"""The limits `cnnvis serve` adds to uvicorn (app/server.py), tried with raw sockets against a
real server on loopback with short timeouts: what a slow, unfinished or oversized request
gets, and that a long answer such as an event stream is never cut by them."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import orjson
import pytest
import uvicorn
from starlette.responses import StreamingResponse

from app.main import create_app
from app.server import HttpProtocol, uvicorn_options
from app.settings import Settings

LIMITS = Settings(max_header_bytes=4096, header_timeout=0.6, body_timeout=1.2, keep_alive_timeout=1.0,
                  max_connections=12, shutdown_timeout=1.0)
SLACK = 3.0  # seconds a busy machine may add to a timer


def start_server(settings: Settings, app):
    options = {**uvicorn_options(settings), "http": HttpProtocol.bound_to(settings)}
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", access_log=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return server, thread, server.servers[0].sockets[0].getsockname()[:2]


@pytest.fixture(scope="module")
def server():
    app = create_app()

    @app.get("/api/test-stream")
    async def stream(seconds: float = 2.0, parts: int = 4):
        """An answer that takes longer than every timeout, as an event stream does."""
        async def events():
            for i in range(parts):
                yield f"data: {i}\n\n".encode()
                await asyncio.sleep(seconds / parts)
        return StreamingResponse(events(), media_type="text/event-stream")

    instance, thread, address = start_server(LIMITS, app)
    yield address
    instance.should_exit = True
    thread.join(timeout=5)


def connect(address, timeout: float = 10) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def status_and_detail(raw: bytes) -> tuple[int, str]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), orjson.loads(body)["detail"]


def get(address, path: str = "/healthz") -> int:
    with connect(address) as sock:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        return int(read_all(sock).split()[1])


# -- headers -------------------------------------------------------------------------------
def test_headers_over_the_limit_get_431_before_they_end(server):
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * 5000)  # no end of headers
        status, detail = status_and_detail(read_all(sock))
    assert status == 431
    assert "headers are too large" in detail and "4 KB" in detail
    assert get(server) == 200


def test_headers_just_under_the_limit_are_served(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: " + b"a" * 3800 + b"\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 200")


def test_a_body_sent_with_its_headers_does_not_count_as_headers(server):
    body = b'{"pixels": ' + b" " * 20000 + b"1}"  # one write: headers and 20 KB of body together
    with connect(server) as sock:
        sock.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status, detail = status_and_detail(read_all(sock))
    assert status == 422 and "28x28" in detail


def test_a_silent_connection_is_closed_after_the_header_timeout(server):
    with connect(server) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""  # closed without a word: nobody asked anything
        waited = time.monotonic() - started
    assert LIMITS.header_timeout * 0.8 <= waited <= LIMITS.header_timeout + SLACK


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "a byte at a time"])
def test_headers_that_do_not_finish_in_time_get_408(server, trickle):
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        if trickle:  # every byte in time for a per-read timeout, never the whole request
            sock.settimeout(0.1)
            raw = b""
            for byte in b"X-Slow: " + b"z" * 200:
                try:
                    sock.send(bytes([byte]))
                    raw = sock.recv(65536)
                except socket.timeout:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
                if raw:
                    break
            sock.settimeout(10)
            raw += read_all(sock)
        else:
            raw = read_all(sock)
        waited = time.monotonic() - started
    status, detail = status_and_detail(raw)
    assert status == 408 and "did not arrive" in detail
    assert LIMITS.header_timeout * 0.8 <= waited <= LIMITS.header_timeout + SLACK


# -- body ----------------------------------------------------------------------------------
def test_a_body_that_stops_short_gets_408_after_the_body_timeout(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n" + b" " * 500)
        started = time.monotonic()
        status, detail = status_and_detail(read_all(sock))
        waited = time.monotonic() - started
    assert status == 408 and "upload did not arrive" in detail
    assert LIMITS.body_timeout * 0.8 <= waited <= LIMITS.body_timeout + SLACK


def trickle_until_answered(sock: socket.socket, limit: float, byte: bytes = b" ") -> tuple[bytes, float]:
    """Send a byte every 0.1 s until the server answers or closes; returns (answer, seconds)."""
    started = time.monotonic()
    sock.settimeout(0.1)
    raw = b""
    while time.monotonic() - started < limit:
        try:
            sock.send(byte)
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        if not chunk:
            break
        raw += chunk
        if raw.endswith(b"}"):  # every answer here is one JSON object
            break
    return raw, time.monotonic() - started


def test_a_trickled_body_gets_408_after_the_body_timeout(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n")
        raw, waited = trickle_until_answered(sock, LIMITS.body_timeout + SLACK)
    status, _ = status_and_detail(raw)
    assert status == 408
    assert LIMITS.body_timeout * 0.8 <= waited <= LIMITS.body_timeout + SLACK


def test_a_trickled_body_nobody_reads_is_cut_after_the_body_timeout(server):
    # A 404 is answered at once, without reading the body; the rest of it must not hold the
    # connection open for as long as the client cares to send a byte now and then.
    with connect(server) as sock:
        sock.sendall(b"POST /api/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        raw, _ = trickle_until_answered(sock, SLACK)
        assert raw.startswith(b"HTTP/1.1 404")
        more, waited = trickle_until_answered(sock, LIMITS.body_timeout + SLACK)
    assert more == b""
    assert waited < LIMITS.body_timeout + SLACK - 0.5  # closed, not given up on by the test


def test_an_answer_longer_than_every_timeout_is_not_cut(server):
    with connect(server) as sock:
        sock.sendall(b"GET /api/test-stream?seconds=3&parts=6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        started = time.monotonic()
        raw = read_all(sock)
        took = time.monotonic() - started
    assert took > LIMITS.body_timeout + LIMITS.header_timeout + LIMITS.keep_alive_timeout
    assert raw.startswith(b"HTTP/1.1 200")
    assert all(f"data: {i}".encode() in raw for i in range(6))


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        started = time.monotonic()
        rest = read_all(sock)
        waited = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 200") and rest == b""
    assert LIMITS.keep_alive_timeout * 0.8 <= waited <= LIMITS.keep_alive_timeout + SLACK


# -- connections ---------------------------------------------------------------------------
def test_half_sent_requests_past_the_limit_make_room_for_new_ones(server):
    held = [connect(server) for _ in range(3 * LIMITS.max_connections)]
    try:
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert get(server) == 200  # well before any header timeout
        closed = 0
        for sock in held:
            sock.settimeout(0.01)
            try:
                closed += sock.recv(1) == b""
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 2 * LIMITS.max_connections  # the oldest were closed to make room
    finally:
        for sock in held:
            sock.close()


def test_when_every_connection_is_busy_a_newcomer_gets_503(server):
    streams = [connect(server) for _ in range(LIMITS.max_connections)]
    try:
        for sock in streams:
            sock.sendall(b"GET /api/test-stream?seconds=3&parts=3 HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in streams:
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")  # each stream under way
        with connect(server) as sock:
            status, detail = status_and_detail(read_all(sock))
        assert status == 503 and "try again" in detail
    finally:
        for sock in streams:
            sock.close()
    deadline = time.monotonic() + SLACK
    while get(server) != 200:  # once the streams are gone, everyone is served again
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_second_request_on_a_kept_alive_connection_gets_408_if_its_headers_stall(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and no end of headers
        started = time.monotonic()
        status, detail = status_and_detail(read_all(sock))
        waited = time.monotonic() - started
    assert status == 408 and "did not arrive" in detail
    assert LIMITS.header_timeout * 0.8 <= waited <= LIMITS.header_timeout + SLACK


def test_blank_lines_sent_between_requests_do_not_keep_a_connection_open(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        raw, waited = trickle_until_answered(sock, LIMITS.header_timeout + LIMITS.keep_alive_timeout + SLACK,
                                             byte=b"\r\n")
    assert waited <= LIMITS.header_timeout + SLACK
