"""The server under hostile load, on loopback: what a normal request sees while others misbehave.

* measure_json_delay: a drawing's /api/predict latency (p50, p95) alone, then while four
  clients, each in its own process, keep posting bodies of nearly 5 MB: one run where the
  bodies are a JSON array of numbers, one where they are one long string that is not a picture
  (refused from its first slice), one where they are a real photo-sized picture as a data URL
  (read whole, decoded and traced, as a student's upload is).
* measure_half_open: N connections that each send half a request's headers and wait; are
  normal requests still answered, how many of the N does the server close at once to make
  room, how many does it hold, and when has it closed them all.

Run as a script, it starts `cnnvis serve` with its defaults on a free loopback port, prints
the figures and writes bench/results/hostile_server.md. Bounded: loopback only, a fixed
number of requests and connections, every wait with a deadline.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import platform
import resource
import socket
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from api_harness import pixels_body  # noqa: E402
from live_server import LiveServer, cnnvis_serve  # api_harness puts tests/ on sys.path

RESULTS = BENCH / "results" / "hostile_server.md"
HOSTILE_CLIENTS = 4
BODY_BYTES = 5_000_000  # under the 5 MB (5,242,880 bytes) limit, so each is read and parsed


def _address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname, parts.port


def drawing() -> np.ndarray:
    """A 28x28 uint8 stroke like a 1: what a student's drawing request carries."""
    digit = np.zeros((28, 28), np.uint8)
    digit[5:23, 13:16] = 255
    return digit


def hostile_body(kind: str) -> bytes:
    if kind == "numbers":  # rows of 28 numbers, as many as fit: about 600,000 values
        row = b"[" + b",".join([b"0.123"] * 28) + b"]"
        count = (BODY_BYTES - 20) // (len(row) + 1)
        return b'{"pixels": [' + b",".join([row] * count) + b"]}"
    if kind == "photo":
        return b'{"image": "' + photo_data_url() + b'", "steps": false}'
    # one long string, as a photo sent as a data URL is (this one is not a picture)
    return b'{"image": "data:image/png;base64,' + b"QUJD" * ((BODY_BYTES - 50) // 4) + b'"}'


def photo_data_url() -> bytes:
    """A real picture of nearly 5 MB as a data URL: a JPEG of fine noise (noise does not
    compress, so the file is large for its pixels) with a dark stroke across it."""
    import base64
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    side = 2400
    while True:
        pixels = rng.integers(150, 256, (side, side, 3), dtype=np.uint8)
        pixels[side // 5: side * 4 // 5, side // 2 - side // 30: side // 2 + side // 30] = 20
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=95)
        url = b"data:image/jpeg;base64," + base64.b64encode(out.getvalue())
        if len(url) < BODY_BYTES - 100:
            return url
        side -= 100


def _percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {"p50_ms": statistics.median(ordered), "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
            "max_ms": ordered[-1], "n": len(ordered)}


def _normal_latencies(address, count: int) -> tuple[list[float], list[int]]:
    """`count` drawing requests, one after the other on one keep-alive connection."""
    body = pixels_body(drawing())
    conn = http.client.HTTPConnection(*address, timeout=30)
    times, statuses = [], []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        statuses.append(response.status)
        time.sleep(0.01)  # a drawing sends a few requests a second, not a flood
    conn.close()
    return times, statuses


def _post_forever(address, kind: str, active, stop, counts) -> None:
    """One hostile client: while `active` is set, post the body again and again."""
    body = hostile_body(kind)
    while not stop.is_set():
        if not active.wait(0.1):
            continue
        try:
            conn = http.client.HTTPConnection(*address, timeout=30)
            conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            conn.close()
            with counts.get_lock():
                counts.value += 1
        except OSError:
            time.sleep(0.05)


def measure_json_delay(base_url: str, kinds=("numbers", "image", "photo"), rounds: int = 5, window: int = 30,
                       server_cpu=None) -> dict:
    """Normal /api/predict latency alone and while four clients post ~5 MB JSON bodies.

    The two are measured in alternating windows (`window` requests alone, then `window` under
    the flood, `rounds` times), so that whatever else the machine is doing weighs on both alike.
    With `server_cpu` (a function giving the server's CPU seconds so far), also the server's CPU
    time per hostile body, a figure that depends less on what else the machine runs.
    """
    cpu = server_cpu or (lambda: 0.0)
    address = _address(base_url)
    _normal_latencies(address, 20)  # warm up
    context = multiprocessing.get_context("spawn")
    result = {}
    for kind in kinds:
        active, stop, posted = context.Event(), context.Event(), context.Value("i", 0)
        clients = [context.Process(target=_post_forever, args=(address, kind, active, stop, posted), daemon=True)
                   for _ in range(HOSTILE_CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(2.0)  # the clients have built their bodies
        alone, loaded, errors, flood_s, flood_bodies, cpu_alone, cpu_flood = [], [], 0, 0.0, 0, 0.0, 0.0
        for _ in range(rounds):
            c = cpu()
            times, _ = _normal_latencies(address, window)
            cpu_alone += cpu() - c
            alone += times
            active.set()
            time.sleep(1.0)  # the bodies are flowing
            before, started, c = posted.value, time.perf_counter(), cpu()
            times, statuses = _normal_latencies(address, window)
            cpu_flood += cpu() - c
            flood_s += time.perf_counter() - started
            flood_bodies += posted.value - before
            loaded += times
            errors += sum(s != 200 for s in statuses)
            active.clear()
            time.sleep(1.5)  # the posts under way finish
        stop.set()
        for client in clients:
            client.join(timeout=30)
            if client.is_alive():
                client.terminate()
        a, f = _percentiles(alone), _percentiles(loaded)
        result[kind] = {
            "alone": a, "flood": f, "errors": errors,
            "delay_p50_ms": f["p50_ms"] - a["p50_ms"], "delay_p95_ms": f["p95_ms"] - a["p95_ms"],
            "hostile_bodies_per_s": flood_bodies / flood_s,
            "server_cpu_ms_per_body": (cpu_flood - cpu_alone) * 1000 / max(flood_bodies, 1) if server_cpu else None,
        }
    return result


def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed the connection or answered (a 408 comes with a close)."""
    sock.setblocking(False)
    try:
        sock.recv(4096, socket.MSG_PEEK)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def measure_half_open(base_url: str, n: int, wait_s: float = 30.0) -> dict:
    """Open n half-sent requests, then see whether others are served and what becomes of the n."""
    address = _address(base_url)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 64, hard), hard))
    held, refused = [], 0
    started = time.perf_counter()
    for _ in range(n):
        try:
            sock = socket.create_connection(address, timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: half-open\r\n")
            held.append(sock)
        except OSError:
            refused += 1
    opened_s = time.perf_counter() - started
    normal, statuses = [], []
    for _ in range(20):
        t = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(*address, timeout=10)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses.append(response.status)
        except OSError:
            statuses.append(0)
        normal.append((time.perf_counter() - t) * 1000)
    closed_at_once = sum(_closed(s) for s in held)
    all_closed_s = None
    while time.perf_counter() - started < wait_s:
        if all(_closed(s) for s in held):
            all_closed_s = time.perf_counter() - started
            break
        time.sleep(0.25)
    for sock in held:
        sock.close()
    return {
        "n": n, "connected": len(held), "refused_at_connect": refused, "opened_in_s": opened_s,
        "normal_ok": sum(s == 200 for s in statuses), "normal_sent": len(statuses),
        **{f"normal_{k}": v for k, v in _percentiles(normal).items() if k != "n"},
        "closed_at_once": closed_at_once, "held": len(held) - closed_at_once, "all_closed_after_s": all_closed_s,
    }


def report(delay: dict, half_open: dict) -> str:
    lines = [
        "# Hostile load on one `cnnvis serve` worker (defaults, loopback)",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"written by `bench/hostile_server.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "The machine was shared with other work while this ran: figures are indicative.",
        "",
        f"## A drawing's /api/predict while {HOSTILE_CLIENTS} clients post ~5 MB JSON bodies",
        "",
        "| flood of | alone p50 / p95 ms | in the flood p50 / p95 / max ms | + p50 ms | + p95 ms | errors | bodies/s "
        "| server CPU ms per body |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {"numbers": "bodies of ~600,000 numbers", "image": "bodies of one 5 MB string that is not a picture",
             "photo": "bodies of a real 4.9 MB JPEG as a data URL (decoded and traced)"}
    for kind in ("numbers", "image", "photo"):
        if kind in delay:
            d, a, f = delay[kind], delay[kind]["alone"], delay[kind]["flood"]
            lines.append(f"| {names[kind]} | {a['p50_ms']:.1f} / {a['p95_ms']:.1f} | "
                         f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['max_ms']:.1f} | "
                         f"{d['delay_p50_ms']:+.1f} | {d['delay_p95_ms']:+.1f} | {d['errors']} | "
                         f"{d['hostile_bodies_per_s']:.1f} | {d['server_cpu_ms_per_body'] or 0:.0f} |")
    h = half_open
    closed = "never, within the wait" if h["all_closed_after_s"] is None else f"{h['all_closed_after_s']:.1f} s"
    lines += [
        "",
        "Target: at most 50 ms more at p95. Alone and in the flood are measured in alternating windows",
        "of 30 requests (5 of each per row), 10 ms apart, one after the other on one connection.",
        "",
        f"## {h['n']} idle half-sent requests",
        "",
        "| figure | value |",
        "|---|---|",
        f"| connections opened / refused at connect | {h['connected']} / {h['refused_at_connect']} |",
        f"| normal requests answered 200 meanwhile | {h['normal_ok']} of {h['normal_sent']} |",
        f"| their latency p50 / p95 / max | {h['normal_p50_ms']:.1f} / {h['normal_p95_ms']:.1f} / "
        f"{h['normal_max_ms']:.1f} ms |",
        f"| half-open connections closed at once to make room | {h['closed_at_once']} |",
        f"| half-open connections the server held | {h['held']} |",
        f"| all of them closed after | {closed} (header timeout 10 s) |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    # `cnnvis serve` with its defaults; a busy machine takes a while to load the models
    server = LiveServer(cnnvis_serve(), ready_within=180)
    try:
        delay = measure_json_delay(server.url, server_cpu=server.cpu_s)
        half_open = measure_half_open(server.url, 1100)
    finally:
        server.stop()
    text = report(delay, half_open)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
