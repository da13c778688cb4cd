"""Plain ASGI middleware (no per-request objects): security headers, a body-size limit,
HEAD answered as GET without its body, and one place where an unexpected error becomes a 500.
Compression is app/compression.py."""

from __future__ import annotations

import logging

import orjson
from starlette.exceptions import HTTPException

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


log = logging.getLogger("cnnvis")


async def send_refusal(send, status: int, detail: str, headers: tuple = ()) -> None:
    """A whole JSON answer {"detail": sentence}, for a middleware that answers in the app's place."""
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), *headers]})
    await send({"type": "http.response.body", "body": body})


class ResponseStarted:
    """A send() that notes whether the answer has begun: after that, nobody may send another."""

    __slots__ = ("send", "started")

    def __init__(self, send):
        self.send, self.started = send, False

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


SERVER_ERROR = "Something went wrong on the server; please try again."


def too_large(max_bytes: int) -> str:
    return f"The upload is too large: at most {max_bytes / (1024 * 1024):g} MB please."


class BodyTooLarge(HTTPException):
    """Raised by receive() once a streamed body passes the limit. An HTTPException, so the
    app's handlers answer 413 even where a body parser catches every other error (FastAPI
    turns any other exception raised while reading a form into a 400)."""

    def __init__(self, max_bytes: int):
        super().__init__(413, too_large(max_bytes), headers={"Connection": "close"})


class BodySizeLimit:
    """413 for a body over the limit: at once when Content-Length says so, otherwise as soon
    as the streamed body passes it, without reading the rest."""

    def __init__(self, app, max_bytes: int, routes: dict | None = None):
        # routes: {(method, path): max_bytes} for the few routes with their own limit (model uploads)
        self.app, self.default_max, self.routes = app, max_bytes, routes or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = self.routes.get((scope.get("method"), scope.get("path")), self.default_max)
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > max_bytes:
                    return await self._refuse(send, max_bytes)
                break
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        tracked = ResponseStarted(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except BodyTooLarge:
            if not tracked.started:
                await self._refuse(send, max_bytes)

    @staticmethod
    async def _refuse(send, max_bytes):
        await send_refusal(send, 413, too_large(max_bytes), ((b"connection", b"close"),))


class HeadAsGet:
    """HEAD is answered as GET would be, headers only: FastAPI routes declared with GET do not
    accept HEAD by themselves, and monitors and link checkers send it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the length was in the headers; the body stays here
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class ServerErrors:
    """The last word on an unexpected exception: one traceback in the log and a 500 with a
    sentence, sent from inside SecurityHeaders so it carries them too. The exception goes no
    further, so neither Starlette nor the server logs it a second time."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        tracked = ResponseStarted(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if tracked.started:
                return  # half a response is out: the server closes the connection, nothing more to say
            await send_refusal(send, 500, SERVER_ERROR)
