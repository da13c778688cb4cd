"""The API benchmark's soak: a fixed number of requests, good and bad mixed, sent over
CONNECTIONS keep-alive connections, every answer checked against the status (and, for a
digit, the label) it should have, and the server's resident memory read as it goes.
"""

from __future__ import annotations

import asyncio
import base64
import time

import numpy as np
import orjson
from api_harness import CONNECTIONS, Server, image_body, pixels_body


def soak_requests(count: int, digits: np.ndarray, labels: np.ndarray) -> list[tuple[str, bytes, int, int | None]]:
    """(kind, raw HTTP request, expected status, expected label) for each of `count` requests:
    mostly digits as pixels, some as PNG data URLs, and every tenth a bad request."""

    def raw(body: bytes, path: str = "/api/predict", length: int | None = None) -> bytes:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
        )
        return head.encode() + body

    zeros = [[0.0] * 28 for _ in range(28)]
    nan = (
        b'{"pixels": [' + b",".join([b"[NaN" + b",0" * 27 + b"]"] + [b"[" + b",".join([b"0"] * 28) + b"]"] * 27) + b"]}"
    )
    bad = [
        ("nan", raw(nan), 422),
        ("wrong shape", raw(orjson.dumps({"pixels": zeros[:27]})), 422),
        ("out of range", raw(orjson.dumps({"pixels": [[2.0] * 28] * 28})), 422),
        ("malformed json", raw(b'{"pixels": [[0,'), 422),
        ("unknown model", raw(orjson.dumps({"model": "nope", "pixels": zeros})), 404),
        (
            "not an image",
            raw(orjson.dumps({"image": "data:image/png;base64," + base64.b64encode(b"hello").decode()})),
            415,
        ),
        ("too large", raw(b"", length=6 * 1024 * 1024), 413),
        (
            "explain outside",
            raw(orjson.dumps({"pixels": zeros, "layer": "conv1", "channel": 9, "y": 0, "x": 0}), "/api/explain"),
            422,
        ),
    ]
    good_pixels = [raw(pixels_body(d)) for d in digits]
    good_images = [raw(image_body(d)) for d in digits[:20]]
    plan = []
    for i in range(count):
        if i % 10 == 9:
            kind, request, status = bad[(i // 10) % len(bad)]
            plan.append((kind, request, status, None))
        elif i % 20 == 4:
            j = (i // 20) % len(good_images)
            plan.append(("image", good_images[j], 200, int(labels[j])))
        else:
            j = i % len(good_pixels)
            plan.append(("pixels", good_pixels[j], 200, int(labels[j])))
    return plan


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() == "close"


async def soak(port: int, plan, server: Server) -> dict:
    cursor = 0
    tally: dict[str, dict[int, int]] = {}
    failures: list[str] = []
    wrong_labels = 0
    rss = [(0, server.rss_kb())]

    async def connection():
        nonlocal cursor, wrong_labels
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while cursor < len(plan):
            i, cursor = cursor, cursor + 1
            kind, request, expected, label = plan[i]
            writer.write(request)
            await writer.drain()
            status, body, close = await read_response(reader)
            tally.setdefault(kind, {}).setdefault(status, 0)
            tally[kind][status] += 1
            if status != expected and len(failures) < 10:
                failures.append(f"{kind}: {status} (expected {expected}) {body[:120]!r}")
            if label is not None and status == 200 and orjson.loads(body)["label"] != label:
                wrong_labels += 1
            if (i + 1) % max(1, len(plan) // 10) == 0:
                rss.append((i + 1, server.rss_kb()))
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    if rss[-1][0] != len(plan):
        rss.append((len(plan), server.rss_kb()))
    expected = {}
    for kind, _, status, _ in plan:
        expected.setdefault(kind, {}).setdefault(status, 0)
        expected[kind][status] += 1
    return {
        "tally": tally,
        "expected": expected,
        "failures": failures,
        "wrong_labels": wrong_labels,
        "rss": rss,
        "seconds": elapsed,
        "count": len(plan),
    }
