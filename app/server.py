"""How `cnnvis serve` runs uvicorn: its fast HTTP parser, plus the limits it lacks.

uvicorn's httptools protocol puts no bound on the size of a request's headers, on how long
they may take to arrive, on how long a body may take, or on how many connections sit open.
One client could then hold the server: an 80 MB header, or a thousand connections that
each send half a request and wait. :class:`HttpProtocol` adds, per connection:

* headers: at most ``max_header_bytes`` (431 past it), complete within ``header_timeout``
  seconds of the first byte (a silent connection is closed, a half-sent request gets 408);
* body: complete within ``body_timeout`` seconds of the end of the headers (408). The clock
  stops when the request has arrived, so a long answer, such as an event stream, is never cut;
* connections: at most ``max_connections`` per worker. Past it the connection idle for the
  longest (half-sent headers, or waiting between requests) is closed to make room; only when
  every connection is busy with a request is the newcomer answered 503.

uvicorn itself is given the keep-alive and graceful-shutdown timeouts (:func:`uvicorn_options`).
"""

from __future__ import annotations

import functools
import logging
import resource
import time

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .middleware import SECURITY_HEADERS
from .settings import Settings

log = logging.getLogger("cnnvis")

HEADER_END = (b"\r\n\r\n", b"\n\n")
HEADERS_TOO_LARGE = "The request's headers are too large: at most {kb:g} KB. Clear this site's cookies and try again."
HEADERS_TOO_SLOW = "The request did not arrive within {s:g} seconds; please try again."
BODY_TOO_SLOW = "The upload did not arrive within {s:g} seconds; try a smaller picture or a steadier connection."
TOO_BUSY = "The server is answering as many people as it can right now; please try again in a moment."


def plain_response(status: bytes, detail: str) -> bytes:
    """A whole HTTP response, written straight to the socket, for when no app is running it."""
    body = orjson.dumps({"detail": detail})
    head = [b"HTTP/1.1 " + status, b"content-type: application/json", b"content-length: %d" % len(body),
            b"connection: close", *(name + b": " + value for name, value in SECURITY_HEADERS)]
    if status.startswith(b"503"):
        head.append(b"retry-after: 2")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@functools.cache
def _env_settings() -> Settings:
    return Settings.from_env()


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above. The limits come from ``settings``
    when a subclass sets it (:meth:`bound_to`), else from the CNNVIS_* environment."""

    settings: Settings | None = None

    @classmethod
    def bound_to(cls, settings: Settings) -> type[HttpProtocol]:
        return type(cls.__name__, (cls,), {"settings": settings})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = type(self).settings or _env_settings()
        self.awaiting_headers = True  # between the end of one request and the end of the next one's headers
        self.headers_begun = False  # the parser has the start of a request whose headers have not ended
        self.header_bytes = 0
        self.header_timer = None
        self.body_timer = None
        # This worker's idle connections, longest idle first (a dict keeps insertion order):
        # the one to close when a newcomer needs room, found without looking at the others.
        if not hasattr(self.server_state, "idle_connections"):
            self.server_state.idle_connections = {}
        self.idle = self.server_state.idle_connections

    # -- the connection -------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._make_room():
            _warn_now_and_then("refused a connection: all %d are busy with requests", self.limits.max_connections)
            self._refuse(b"503 Service Unavailable", TOO_BUSY)
            return
        self.idle[self] = None
        self.header_timer = self.loop.call_later(self.limits.header_timeout, self._headers_too_slow)

    def connection_lost(self, exc) -> None:
        self._stop_timers()
        self.idle.pop(self, None)
        super().connection_lost(exc)

    def _stop_timers(self) -> None:
        for timer in (self.header_timer, self.body_timer):
            if timer is not None:
                timer.cancel()
        self.header_timer = self.body_timer = None

    def _make_room(self) -> bool:
        """Close the connection idle for the longest (no request of it being answered, though it
        may be halfway through sending one); False when every other connection is busy."""
        if not self.idle:
            return False
        oldest = next(iter(self.idle))
        oldest._stop_timers()
        del self.idle[oldest]
        oldest.transport.close()
        return True

    def _refuse(self, status: bytes, detail: str) -> None:
        """Answer the request under way with a sentence, unless an answer has begun, and close."""
        self._stop_timers()
        answering = self.cycle is not None and not self.cycle.response_complete  # a cycle still running
        if self.awaiting_headers:  # the refused request has no cycle yet; the last one may still be answering
            can_answer = not answering
        else:
            can_answer = not self.cycle.response_started
        if not self.transport.is_closing():
            if can_answer:
                self.transport.write(plain_response(status, detail))
            self.transport.close()
        if answering:  # the app reads a disconnect and its sends go nowhere
            self.cycle.disconnected = True
            self.cycle.message_event.set()

    def handle_websocket_upgrade(self) -> None:
        self._stop_timers()  # the connection is no longer HTTP's, nor these limits'
        super().handle_websocket_upgrade()

    # -- headers --------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.awaiting_headers:
            self.header_bytes += len(data)
            if self.header_bytes > self.limits.max_header_bytes and not self._headers_end_in_time(data):
                self._refuse(b"431 Request Header Fields Too Large",
                             HEADERS_TOO_LARGE.format(kb=self.limits.max_header_bytes / 1024))
                return
        super().data_received(data)
        # Clocks start only for a request that did not arrive whole in one read: a drawing's
        # request, headers and body together, never sets a timer.
        if self.transport.is_closing():
            return
        if self.awaiting_headers and self.header_timer is None and (self.headers_begun or self.header_bytes):
            self.header_timer = self.loop.call_later(self.limits.header_timeout, self._headers_too_slow)
        elif not self.awaiting_headers and self.body_timer is None:
            self.body_timer = self.loop.call_later(self.limits.body_timeout, self._body_too_slow)

    def _headers_end_in_time(self, data: bytes) -> bool:
        """Whether the headers end in this chunk within the limit (the rest of it is body)."""
        before = self.header_bytes - len(data)
        ends = [i + len(mark) for mark in HEADER_END if (i := data.find(mark)) != -1]
        return bool(ends) and before + min(ends) <= self.limits.max_header_bytes

    def on_message_begin(self) -> None:
        self.headers_begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self.awaiting_headers = self.headers_begun = False
        self.idle.pop(self, None)
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None
        super().on_headers_complete()

    def _headers_too_slow(self) -> None:
        self.header_timer = None
        if self.header_bytes == 0:  # a connection opened and never used: nobody to tell
            self._stop_timers()
            self.transport.close()
        else:
            self._refuse(b"408 Request Timeout", HEADERS_TOO_SLOW.format(s=self.limits.header_timeout))

    # -- body -----------------------------------------------------------------------------
    def on_message_complete(self) -> None:
        if self.body_timer is not None:
            self.body_timer.cancel()
            self.body_timer = None
        self.awaiting_headers, self.header_bytes = True, 0
        super().on_message_complete()

    def _body_too_slow(self) -> None:
        self.body_timer = None
        self._refuse(b"408 Request Timeout", BODY_TOO_SLOW.format(s=self.limits.body_timeout))

    def on_response_complete(self) -> None:
        queued = bool(self.pipeline)  # a request sent behind this one starts now
        super().on_response_complete()
        if not queued and not self.transport.is_closing():
            self.idle[self] = None  # at the end of the line: idle since now


_last_warning = 0.0


def _warn_now_and_then(message: str, *args) -> None:
    """A warning at most every 10 seconds: under a flood, one line per refusal would be a flood too."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 10:
        _last_warning = now
        log.warning(message, *args)


def uvicorn_options(settings: Settings) -> dict:
    """What `cnnvis serve` passes to uvicorn besides the address and the app."""
    return {
        "http": f"{HttpProtocol.__module__}:{HttpProtocol.__qualname__}",
        "loop": "auto",
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def raise_open_file_limit(max_connections: int) -> int:
    """Let this process hold max_connections sockets plus its own files, as far as the system
    allows; returns how many connections it can hold (less than asked if the system says so)."""
    spare = 64  # the listening socket, model files, logs, the thread pool's pipes
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_connections + spare
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return max_connections if soft == resource.RLIM_INFINITY else min(max_connections, soft - spare)
