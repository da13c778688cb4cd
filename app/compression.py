"""Gzip for answers worth compressing, as plain ASGI middleware.

A live drawing's answer is about 6 KB of JSON (mostly base64 of float16 values) that gzip
takes to about 4 KB, and a class asks for up to 900 of them a second. zlib at its fastest
level spends some 120 us of CPU on one on our machine; ISA-L's deflate (the `isal` package)
spends about 35 us and writes slightly fewer bytes. Where `isal` cannot be installed, zlib
is used, with the same result on the wire.

The rules are those of Starlette's GZipMiddleware, which this replaces: only when the client
accepts gzip; an answer in one piece only from `minimum_size` bytes; a streamed answer always,
each piece flushed so that nothing waits in the compressor; never event streams, pictures,
archives, partial content or an answer that is already encoded; `Vary: Accept-Encoding` on
every answer that would be compressed for a client that asked. The headers are read as the
raw bytes they are, without building header objects for every answer.
"""

from __future__ import annotations

import asyncio

try:
    from isal import isal_zlib as deflate
except ImportError:  # no wheel for this platform: the standard library's zlib
    import zlib as deflate

LEVEL = 1  # the fastest level: the answers are small and the CPU is shared by a class
GZIP_WBITS = 16 + 15  # a gzip header and trailer around a deflate stream with a 32 KB window
THREAD_MIN_BYTES = 256 * 1024  # a larger answer is compressed off the event loop
EXCLUDED_TYPES = (b"text/event-stream", b"image/", b"audio/", b"video/", b"font/woff", b"application/zip",
                  b"application/gzip", b"application/x-gzip", b"application/grpc")
VARY = (b"vary", b"Accept-Encoding")


def compress(body: bytes) -> bytes:
    """One whole gzip member holding body."""
    return deflate.compress(body, LEVEL, GZIP_WBITS)


def _compressible(headers) -> bool:
    for name, value in headers:
        if name == b"content-encoding":
            return False
        if name == b"content-type" and value.lower().startswith(EXCLUDED_TYPES):
            return False
    return True


def _with_vary(headers) -> list:
    for i, (name, value) in enumerate(headers):
        if name == b"vary":
            if b"accept-encoding" in value.lower():
                return list(headers)
            return [*headers[:i], (b"vary", value + b", Accept-Encoding"), *headers[i + 1:]]
    return [*headers, VARY]


def _encoded(headers, length: int | None) -> list:
    """headers for a gzip body: its length (None for a stream, which has none) and encoding."""
    kept = [(name, value) for name, value in _with_vary(headers) if name != b"content-length"]
    kept.append((b"content-encoding", b"gzip"))
    if length is not None:
        kept.append((b"content-length", b"%d" % length))
    return kept


class Gzip:
    def __init__(self, app, minimum_size: int = 1024):
        self.app, self.minimum_size = app, minimum_size

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        accepts = any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])
        start = None  # the response's start, held until its first body shows what to do
        stream = None  # the compressor of a streamed answer being compressed

        async def send_compressed(message):
            nonlocal start, stream
            kind = message["type"]
            if kind == "http.response.start":
                if message["status"] != 206 and _compressible(message.get("headers", ())):
                    start = message
                    return
                return await send(message)  # passed through untouched, and so is its body
            if start is None:  # passed through, or a stream under way
                if stream is not None and kind == "http.response.body":
                    more = message.get("more_body", False)
                    piece = stream.compress(message.get("body", b"")) + stream.flush(deflate.Z_SYNC_FLUSH if more else deflate.Z_FINISH)
                    message = {"type": kind, "body": piece, "more_body": more}
                return await send(message)
            head, start = start, None
            headers = list(head.get("headers", ()))
            if kind != "http.response.body":  # a file sent by path: as it is
                await send(head)
                return await send(message)
            body, more = message.get("body", b""), message.get("more_body", False)
            if not more and len(body) < self.minimum_size:
                await send(head)
                return await send(message)
            if not accepts:
                await send({**head, "headers": _with_vary(headers)})
                return await send(message)
            if more:
                stream = deflate.compressobj(LEVEL, deflate.DEFLATED, GZIP_WBITS)
                piece = stream.compress(body) + stream.flush(deflate.Z_SYNC_FLUSH)
                await send({**head, "headers": _encoded(headers, None)})
                return await send({"type": kind, "body": piece, "more_body": True})
            if len(body) >= THREAD_MIN_BYTES:
                zipped = await asyncio.get_running_loop().run_in_executor(None, compress, body)
            else:
                zipped = compress(body)
            await send({**head, "headers": _encoded(headers, len(zipped))})
            await send({"type": kind, "body": zipped, "more_body": False})

        await self.app(scope, receive, send_compressed)
