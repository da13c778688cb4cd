"""A worker's memory while a class uploads photos at the pixel limit all at once.

16 concurrent uploads of a 4000x4000 RGBA PNG (the worst case the 16-megapixel limit lets
through: a digit drawn large, with 2% of its pixels random so that the file is not trivially
small, yet under the 5 MB body limit). Targets: the worker's peak resident memory under 1 GB,
and within 5 s of the last answer its resident memory within 100 MB of what it was after one
warm-up upload. Every upload must get an answer (200, or a 503 saying the server is busy).

`measure_upload_memory(base_url, pid)` measures a server that is already running (loopback
only); run as a script, it starts `cnnvis serve` with one worker on a free loopback port, once
with the default settings and once with a wait long enough for every upload to be decoded,
prints the figures and writes bench/results/hostile_uploads.md.

Usage: .venv/bin/python bench/hostile_uploads.py
"""

from __future__ import annotations

import functools
import http.client
import io
import os
import platform
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "hostile_uploads.md"
BODY_LIMIT = 5 * 1024 * 1024
SIDE = 4000
UPLOADS = 16
SETTLE_S = 5.0
PEAK_LIMIT_MB = 1024
SETTLE_MARGIN_MB = 100


# -- the picture and the requests --------------------------------------------------------
@functools.lru_cache(maxsize=1)
def large_png(side: int = SIDE, noise: float = 0.02, seed: int = 0) -> bytes:
    """A 7 drawn large in blue on cream paper, RGBA, with a fraction `noise` of random pixels."""
    image = Image.new("RGBA", (side, side), (250, 248, 240, 255))
    ImageDraw.Draw(image).line(
        [(side * 0.2, side * 0.2), (side * 0.8, side * 0.2), (side * 0.45, side * 0.85)],
        fill=(20, 30, 120, 255),
        width=side // 25,
    )
    pixels = np.array(image)
    rng = np.random.default_rng(seed)
    chosen = rng.random((side, side)) < noise
    pixels[chosen] = rng.integers(0, 256, (int(chosen.sum()), 4), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def multipart(raw: bytes, filename: str = "photo.png") -> tuple[bytes, str]:
    boundary = "cnnvis-hostile-uploads"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + raw + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(base_url: str, body: bytes, content_type: str, timeout: float = 120.0) -> tuple[int, float]:
    """(status, seconds) of one POST /api/predict/upload; status 0 when the connection failed."""
    parts = urlsplit(base_url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", "/api/predict/upload", body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started
    finally:
        conn.close()


# -- the worker's memory -----------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class RssPoller(threading.Thread):
    """Reads a process's resident memory every `interval` seconds; keeps the peak and the series."""

    def __init__(self, pid: int, interval: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, float]] = []
        self.peak = 0.0
        self._finished = threading.Event()

    def run(self) -> None:
        while not self._finished.is_set():
            value = rss_mb(self.pid)
            self.samples.append((time.perf_counter(), value))
            self.peak = max(self.peak, value)
            self._finished.wait(self.interval)

    def stop(self) -> None:
        self._finished.set()
        self.join()


def measure_upload_memory(base_url: str, pid: int, *, uploads: int = UPLOADS, settle_s: float = SETTLE_S) -> dict:
    """Peak and settled resident memory (MB) of the server process `pid` around `uploads`
    concurrent uploads of a picture at the pixel limit, against its memory after one warm-up."""
    if urlsplit(base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"{base_url} is not on loopback: this benchmark only loads a server of this machine")
    body, content_type = multipart(large_png())
    assert len(body) < BODY_LIMIT, f"the upload is {len(body)} bytes, over the body limit"
    start_rss = rss_mb(pid)
    warm_status, warm_s = upload(base_url, body, content_type)
    time.sleep(1.0)
    warm_rss = rss_mb(pid)

    poller = RssPoller(pid)
    poller.start()
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one() -> None:
        result = upload(base_url, body, content_type)
        with lock:
            results.append(result)

    started = time.perf_counter()
    clients = [threading.Thread(target=one) for _ in range(uploads)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    last = time.perf_counter()
    burst_s = last - started
    time.sleep(settle_s)
    poller.stop()
    settled_rss = rss_mb(pid)
    back_within = next(
        (t - last for t, value in poller.samples if t >= last and value <= warm_rss + SETTLE_MARGIN_MB), None
    )
    statuses = Counter(status for status, _ in results)
    return {
        "uploads": uploads,
        "upload_bytes": len(body),
        "start_rss_mb": round(start_rss, 1),
        "warmup_status": warm_status,
        "warmup_seconds": round(warm_s, 2),
        "warmup_rss_mb": round(warm_rss, 1),
        "peak_rss_mb": round(poller.peak, 1),
        "settled_rss_mb": round(settled_rss, 1),
        "settled_after_s": settle_s,
        "back_within_margin_after_s": None if back_within is None else round(back_within, 2),
        "statuses": dict(sorted(statuses.items())),
        "seconds": round(burst_s, 2),
        "slowest_upload_s": round(max(s for _, s in results), 2),
    }


def judge(figures: dict) -> dict:
    """Each target with whether it holds."""
    answered = set(figures["statuses"]) <= {200, 503}
    return {
        f"peak RSS under {PEAK_LIMIT_MB} MB": figures["peak_rss_mb"] < PEAK_LIMIT_MB,
        f"RSS {figures['settled_after_s']:.0f} s after the last upload within {SETTLE_MARGIN_MB} MB of the warm-up's": (
            figures["settled_rss_mb"] <= figures["warmup_rss_mb"] + SETTLE_MARGIN_MB
        ),
        "every upload answered 200 or 503": answered and figures["warmup_status"] == 200,
    }


# -- as a script -------------------------------------------------------------------------
# Each run starts its own server with these settings on top of the environment's.
RUNS = {
    "the default settings (an upload waits at most 10 s for a decoding slot)": {},
    "a 120 s wait, so that every upload is decoded": {"CNNVIS_DECODE_WAIT_SECONDS": "120"},
}


def measure_with(settings: dict[str, str]) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from live_server import LiveServer, cnnvis_serve

    with LiveServer(cnnvis_serve("--workers", "1"), env=settings) as server:
        return measure_upload_memory(server.url, server.pid)


def table(name: str, figures: dict, verdicts: dict) -> list[str]:
    return [
        f"## With {name}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| resident memory at start | {figures['start_rss_mb']} MB |",
        f"| after one warm-up upload ({figures['warmup_seconds']} s) | {figures['warmup_rss_mb']} MB |",
        f"| peak during the burst (polled every 10 ms) | {figures['peak_rss_mb']} MB |",
        f"| {figures['settled_after_s']:.0f} s after the last answer | {figures['settled_rss_mb']} MB |",
        f"| back within {SETTLE_MARGIN_MB} MB of the warm-up's after | {figures['back_within_margin_after_s']} s |",
        f"| answers | {figures['statuses']} |",
        f"| burst, first request to last answer | {figures['seconds']} s (slowest upload {figures['slowest_upload_s']} s) |",
        "",
        "| target | holds |",
        "|---|---|",
        *(f"| {target} | {'yes' if ok else 'NO'} |" for target, ok in verdicts.items()),
        "",
    ]


def report(results: dict[str, tuple[dict, dict]]) -> str:
    environment = {k: v for k, v in os.environ.items() if k.startswith(("CNNVIS_", "MALLOC_"))}
    figures = next(iter(results.values()))[0]
    lines = [
        "# Hostile uploads: memory",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end, Python {platform.python_version()}; "
        "`cnnvis serve`, one worker, loopback; "
        f"settings from the environment: {environment or 'defaults'}.",
        "",
        f"{figures['uploads']} concurrent uploads of a {SIDE}x{SIDE} RGBA PNG ({figures['upload_bytes'] / 1e6:.2f} MB "
        "as multipart), after one warm-up upload.",
        "",
    ]
    for name, (figures, verdicts) in results.items():
        lines += table(name, figures, verdicts)
    return "\n".join(lines)


def main() -> int:
    large_png()  # build the picture before the servers start, so its time is not theirs
    results = {}
    for name, settings in RUNS.items():
        figures = measure_with(settings)
        results[name] = (figures, judge(figures))
    text = report(results)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if all(all(verdicts.values()) for _, verdicts in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
