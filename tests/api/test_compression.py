"""app.compression.Gzip, on a small app of its own: what it compresses, what it leaves alone,
and that what it sends is gzip the standard library reads back to the very bytes."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.compression import Gzip

TEXT = b"".join(b"line %d of an answer worth compressing\n" % i for i in range(400))  # ~16 KB
PIECES = [TEXT[:5000], TEXT[5000:9000], TEXT[9000:]]


async def whole(request):
    return Response(TEXT, media_type="application/json")


async def small(request):
    return Response(b'{"status": "ok"}', media_type="application/json")


async def streamed(request):
    async def pieces():
        for piece in PIECES:
            yield piece

    return StreamingResponse(pieces(), media_type=request.query_params.get("type", "text/plain"))


async def encoded(request):
    return Response(gzip.compress(TEXT), headers={"content-encoding": "gzip"}, media_type="application/json")


app = Gzip(Starlette(routes=[Route("/whole", whole), Route("/small", small), Route("/streamed", streamed),
                             Route("/encoded", encoded)]), minimum_size=1024)
GZIP = {"Accept-Encoding": "gzip, deflate"}


def raw(path, headers):
    """Status, headers and the body bytes as sent (not decoded by the client)."""
    with TestClient(app) as client, client.stream("GET", path, headers=headers) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


def test_a_whole_answer_is_sent_as_gzip_of_its_bytes():
    status, headers, body = raw("/whole", GZIP)
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body) < len(TEXT) / 4
    assert "accept-encoding" in headers["vary"].lower()
    assert gzip.decompress(body) == TEXT


def test_a_small_answer_is_sent_as_it_is():
    status, headers, body = raw("/small", GZIP)
    assert (status, body) == (200, b'{"status": "ok"}')
    assert "content-encoding" not in headers


def test_a_client_that_does_not_accept_gzip_gets_the_bytes_and_a_vary_header():
    status, headers, body = raw("/whole", {"Accept-Encoding": "identity"})
    assert (status, body) == (200, TEXT)
    assert "content-encoding" not in headers
    assert "accept-encoding" in headers["vary"].lower()


def test_a_streamed_answer_is_compressed_piece_by_piece():
    status, headers, body = raw("/streamed", GZIP)
    assert status == 200
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert gzip.decompress(body) == TEXT


def test_each_piece_of_a_stream_reads_back_as_soon_as_it_is_sent():
    messages = []

    asked = []

    async def receive():  # the request, then nothing: the client is listening
        if not asked:
            asked.append(1)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": "/streamed", "raw_path": b"/streamed", "query_string": b"",
             "headers": [(b"accept-encoding", b"gzip")], "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("testclient", 1), "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    pieces = [m["body"] for m in messages if m["type"] == "http.response.body" and m["body"]]
    reader = zlib.decompressobj(31)
    decoded = [reader.decompress(piece) for piece in pieces]  # the last message only ends the stream
    assert decoded[: len(PIECES)] == PIECES and b"".join(decoded) == TEXT  # nothing waits in the compressor


@pytest.mark.parametrize("media_type", ["text/event-stream", "image/png"])
def test_event_streams_and_pictures_are_never_compressed(media_type):
    status, headers, body = raw(f"/streamed?type={media_type}", GZIP)
    assert (status, body) == (200, TEXT)
    assert "content-encoding" not in headers


def test_an_answer_already_encoded_is_left_alone():
    status, headers, body = raw("/encoded", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == TEXT  # compressed once, not twice


# -- the rules at their edges ----------------------------------------------------------------
NOISE = bytes(range(256)) * 2 + bytes(reversed(range(256))) * 4  # 1,536 bytes gzip barely shrinks


async def sized(request):
    return Response(b"x" * int(request.query_params["n"]), media_type="application/json")


async def partial(request):
    return Response(TEXT[:4096], status_code=206, media_type="application/json",
                    headers={"content-range": f"bytes 0-4095/{len(TEXT)}"})


async def varied(request):
    return Response(TEXT, media_type="application/json", headers={"vary": "Origin"})


async def encoded_large(request):
    return Response(NOISE, headers={"content-encoding": "br"}, media_type="application/json")


edges = Gzip(Starlette(routes=[Route("/sized", sized), Route("/partial", partial), Route("/varied", varied),
                               Route("/encoded", encoded_large)]), minimum_size=1024)


def raw_edges(path, headers=GZIP):
    with TestClient(edges) as client, client.stream("GET", path, headers=headers) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


@pytest.mark.parametrize(("n", "compressed"), [(1023, False), (1024, True)])
def test_an_answer_is_compressed_from_exactly_the_minimum_size(n, compressed):
    status, headers, body = raw_edges(f"/sized?n={n}")
    assert status == 200
    assert ("content-encoding" in headers) == compressed
    assert (gzip.decompress(body) if compressed else body) == b"x" * n


def test_partial_content_is_sent_as_it_is():
    """A 206 answers a byte range of the plain bytes: compressing it would change what the range counts."""
    status, headers, body = raw_edges("/partial")
    assert (status, body) == (206, TEXT[:4096])
    assert "content-encoding" not in headers


def test_an_existing_vary_header_gains_accept_encoding_and_keeps_its_own():
    for accept in (GZIP, {"Accept-Encoding": "identity"}):
        _, headers, _ = raw_edges("/varied", accept)
        assert [v.strip().lower() for v in headers["vary"].split(",")] == ["origin", "accept-encoding"]


def test_a_large_answer_in_another_encoding_is_not_compressed_again():
    status, headers, body = raw_edges("/encoded")
    assert (status, body) == (200, NOISE)
    assert headers.get_list("content-encoding") == ["br"]
