"""A class drawing live at once: many students against `cnnvis serve --workers 2`.

Each simulated student does what the page does while a stroke is drawn: one connection
(HTTP/1.1 keep-alive, gzip accepted), one request in flight at a time, at most 20 a second,
each the page's own live request body. Two paths in the same run:
  - the page's path: a drawing prepared on the page, `pixels` as a uint8 Tensor with
    `"detail": "compact"` (200 official test digits, each a real drawing's prepared bytes);
  - the older path: the whole 280x280 pad as a PNG data URL (`image`, `steps: false`), the
    same digits blown up to pad size as a canvas would encode them.
For 30 and 60 students each, after a warm-up, it records every request's latency (from
writing the request to reading the whole answer), the slowest student's updates per second,
errors (a non-200, a broken connection, or no answer within 5 s), the server's CPU per
request, and the generator's own CPU and lateness, to show it is not the bottleneck.
Loopback only, bounded in students and seconds. Writes bench/results/class.md.

Usage: .venv/bin/python bench/bench_class.py [--seconds 20] [--students 30 60]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import orjson
from PIL import Image

import api_harness  # noqa: F401  (bench/ is on sys.path when this runs as a script; it puts tests/ there too)
from live_server import LiveServer, cnnvis_serve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "class.md"
HOST = "127.0.0.1"  # loopback only
MAX_STUDENTS, MAX_SECONDS = 200, 120
RATE = 20.0  # the page's ceiling: at most 20 updates a second
TIMEOUT_S = 5.0
WARMUP_S = 2.0
START_S = 180.0  # two workers each load the models; on a busy machine that takes a while
TARGETS = {"p95_ms": 100.0, "slowest_per_s": 15.0}
LOAD_AT_START = "?"


# -- request bodies ----------------------------------------------------------------------
def load_digits(n: int = 200) -> np.ndarray:
    sys.path.insert(0, str(ROOT))
    from app.nn.idx import load_split

    images, _ = load_split(ROOT / "tests" / "data" / "mnist-t10k-1000", "t10k")
    return images[:n]


def compact_body(digit: np.ndarray) -> bytes:
    pixels = {"shape": [28, 28], "dtype": "uint8", "data": base64.b64encode(digit.tobytes()).decode()}
    return orjson.dumps({"model": "mnist", "pixels": pixels, "detail": "compact", "steps": False})


def png_body(digit: np.ndarray) -> bytes:
    """The pad as the page's canvas.toDataURL() sent it: 280x280 RGBA, white ink on black."""
    grey = Image.fromarray(digit, "L").resize((280, 280), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    Image.merge("RGBA", (grey, grey, grey, Image.new("L", grey.size, 255))).save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return orjson.dumps({"model": "mnist", "image": url, "steps": False})


def request_bytes(port: int, body: bytes) -> bytes:
    head = (
        f"POST /api/predict HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


# -- the students -------------------------------------------------------------------------
async def read_response(reader) -> tuple[int, int]:
    """Status and body length of one HTTP/1.1 response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        return status, len(body)
    size = 0
    while True:  # chunked
        n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(n + 2)
        size += n
        if n == 0:
            return status, size


async def student(port, requests, start_at, stop_at, measure_from, record):
    """One student: a keep-alive connection, one request at a time, at most RATE a second."""
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    reader = writer = None
    gap, nxt, i = 1.0 / RATE, time.perf_counter(), random.randrange(len(requests))
    while time.perf_counter() < stop_at:
        now = time.perf_counter()
        if nxt > now:  # ahead of the page's ceiling: wait, and note how late the wake-up came
            await asyncio.sleep(nxt - now)
            record["late"].append(time.perf_counter() - nxt)
        nxt = max(nxt + gap, time.perf_counter())
        sent = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(requests[i % len(requests)])
            status, size = await asyncio.wait_for(read_response(reader), TIMEOUT_S)
            ok = status == 200
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            ok, size = False, 0
            if writer is not None:
                writer.close()
            reader = writer = None
        done = time.perf_counter()
        i += 1
        if sent >= measure_from and done <= stop_at:
            record["latencies"].append(done - sent)
            record["count"] += 1
            record["errors"] += 0 if ok else 1
            record["bytes"] += size
    if writer is not None:
        writer.close()


async def run_class(port, requests, students, seconds):
    begin = time.perf_counter() + 0.2
    measure_from, stop_at = begin + WARMUP_S, begin + WARMUP_S + seconds
    records = [{"latencies": [], "count": 0, "errors": 0, "bytes": 0, "late": []} for _ in range(students)]
    cpu = time.process_time()
    await asyncio.gather(*(
        student(port, requests, begin + random.random(), stop_at, measure_from, r) for r in records
    ))
    return records, (time.process_time() - cpu) / (stop_at - begin + 0.2)


def summarise(records, seconds, server_cpu_s, generator_load):
    latencies = np.array([v for r in records for v in r["latencies"]]) * 1000
    per_student = [r["count"] / seconds for r in records]
    late = np.array([v for r in records for v in r["late"]] or [0.0]) * 1000
    total = sum(r["count"] for r in records)
    return {
        "students": len(records),
        "requests": total,
        "rps": total / seconds,
        "p50": float(np.percentile(latencies, 50)),
        "p95": float(np.percentile(latencies, 95)),
        "p99": float(np.percentile(latencies, 99)),
        "slowest": min(per_student),
        "mean_per_student": float(np.mean(per_student)),
        "errors": sum(r["errors"] for r in records),
        "down_kb": sum(r["bytes"] for r in records) / max(1, total) / 1024,
        "server_cpu_us": server_cpu_s * 1e6 / max(1, total),
        "generator_cpu": generator_load,
        "late_p95": float(np.percentile(late, 95)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--students", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    classes = [min(n, MAX_STUDENTS) for n in args.students]

    try:
        import uvloop

        uvloop.install()  # the lighter event loop keeps the generator off the server's CPU
    except ImportError:
        pass
    random.seed(0)
    global LOAD_AT_START
    LOAD_AT_START = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    digits = load_digits()
    server = LiveServer(cnnvis_serve("--workers", str(args.workers)), ready_within=START_S, workers=args.workers)
    paths = {
        "page (compact pixels)": [request_bytes(server.port, compact_body(d)) for d in digits],
        "old (PNG of the pad)": [request_bytes(server.port, png_body(d)) for d in digits],
    }
    up = {name: float(np.mean([len(r.split(b"\r\n\r\n", 1)[1]) for r in reqs])) / 1024 for name, reqs in paths.items()}
    results = []
    try:
        for name, requests in paths.items():
            for n in classes:
                cpu = server.cpu_s()
                records, generator = asyncio.run(run_class(server.port, requests, n, seconds))
                row = summarise(records, seconds, server.cpu_s() - cpu, generator)
                row["path"], row["up_kb"] = name, up[name]
                results.append(row)
                print(
                    f"{name:<22} {n:>3} students: p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                    f"p99 {row['p99']:6.1f} ms  slowest {row['slowest']:5.1f}/s  mean {row['mean_per_student']:5.1f}/s  "
                    f"errors {row['errors']}  server {row['server_cpu_us']:.0f} us/req  "
                    f"generator {100 * row['generator_cpu']:.0f}% of a core, late p95 {row['late_p95']:.1f} ms",
                    flush=True,
                )
                time.sleep(1)
    finally:
        server.stop()
    write_report(results, seconds, args.workers)
    return 0


def write_report(results, seconds, workers):
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    lines = [
        "# A class drawing live at once",
        "",
        f"Written by `bench/bench_class.py`: `cnnvis serve --workers {workers}` with its default limits on",
        f"loopback, the load generator on the same machine ({platform.machine()}, {os.cpu_count()} CPUs,",
        f"Python {platform.python_version()}; load average {LOAD_AT_START} at the start, {load} at the end: figures",
        "taken while other work shares the machine show that work too). Each student: one keep-alive",
        f"connection, one request in flight, at most {RATE:g} a second, the page's own live request body;",
        f"{seconds:g} s measured after a {WARMUP_S:g} s warm-up.",
        "",
        "| path | students | p50 ms | p95 ms | p99 ms | slowest student /s | mean /s | errors | up KB | down KB (gzip) | server CPU us/req | generator CPU | generator late p95 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['path']} | {r['students']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['slowest']:.1f} | "
            f"{r['mean_per_student']:.1f} | {r['errors']} | {r['up_kb']:.2f} | {r['down_kb']:.2f} | {r['server_cpu_us']:.0f} | "
            f"{100 * r['generator_cpu']:.0f}% | {r['late_p95']:.1f} |"
        )
    page = {r["students"]: r for r in results if r["path"].startswith("page")}
    old = {r["students"]: r for r in results if r["path"].startswith("old")}
    lines += ["", "Targets (60 students, page path): p95 <= 100 ms, every student >= 15 updates/s, no errors.", ""]
    for n, r in sorted(page.items()):
        met = r["p95"] <= TARGETS["p95_ms"] and r["slowest"] >= TARGETS["slowest_per_s"] and r["errors"] == 0
        ratio = ""
        if n in old:
            o = old[n]
            ratio = (f"; against the PNG path: p95 {o['p95'] / r['p95']:.1f}x lower, server CPU per request "
                     f"{o['server_cpu_us'] / r['server_cpu_us']:.1f}x less, {o['up_kb'] / r['up_kb']:.0f}x fewer bytes up")
        lines.append(f"- {n} students: p95 {r['p95']:.1f} ms, slowest {r['slowest']:.1f}/s, "
                     f"{r['errors']} errors: {'met' if met else 'NOT met'}{ratio}.")
    lines += [
        "",
        "- Latency runs from writing a request to reading the last byte of its answer. *Slowest",
        "  student /s* is the fewest answers any one student got per second; at most 20 are asked for.",
        "- *Generator CPU* is the load generator's own CPU time over the run (one asyncio process on",
        "  uvloop, raw HTTP/1.1); *late* is how long after its planned time a student's next request",
        "  went out when it was not waiting for an answer: a generator that kept up stays near zero.",
        "- Bodies: 200 official MNIST test digits. Page path: 784 bytes as a base64 uint8 Tensor with",
        "  `\"detail\": \"compact\"`; old path: the digit blown up to the 280x280 pad as an RGBA PNG",
        "  data URL, `steps: false`, as the page sent it before. Responses gzip-compressed (the",
        "  students accept gzip, as browsers do); *down KB* is the compressed body.",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
