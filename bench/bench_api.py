"""The HTTP API's speed and staying power, against the targets of the API issue.

Measures, on loopback, each server one uvicorn worker started with the same options:
  - throughput of POST /api/predict (a real 28x28 test digit as `pixels`) against a bare
    FastAPI app's constant route (bench/noop_app.py), 8 connections with wrk, the two taking
    turns so background load hits both alike; p50/p99 latency of predict at that load;
  - the size of a trace, raw and gzipped; start-up to the first answered /healthz;
  - where a predict's time goes: the handler's own timing_us, the app in-process (middleware,
    routing, rendering) and what is left for uvicorn's HTTP and loopback;
  - a bounded soak: a fixed number of requests, good and bad mixed, over 8 connections,
    checking every answer and the server's resident memory before and after.
Prints the figures and writes bench/results/api.md.

Usage: .venv/bin/python bench/bench_api.py [--seconds 5] [--rounds 3] [--soak 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import io
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.models import load_shipped
from app.nn.idx import load_split

RESULTS = ROOT / "bench" / "results" / "api.md"
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"
PYTHON = sys.executable
UVICORN_OPTIONS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
CONNECTIONS = 8
TARGETS = {"ratio": 0.5, "p99_ms": 25.0, "trace_kb": 48.0, "startup_s": 2.0}

# Printed by wrk when a run ends: one JSON line the bench reads back.
WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
"""


# -- servers -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """One uvicorn process serving `target`; records the time to its first answer."""

    def __init__(self, target: str, ready_path: str):
        self.target, self.ready_path, self.port = target, ready_path, free_port()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(self.port), *UVICORN_OPTIONS],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{target} exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if get(self.port, ready_path, timeout=0.5)[0] == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{target} did not answer {ready_path} within 30 s")
            time.sleep(0.005)
        self.startup_s = time.perf_counter() - started
        self.startup_cpu_s = self.cpu_s()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def cpu_s(self) -> float:
        """User + system CPU seconds the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- wrk ---------------------------------------------------------------------------------
def lua_script(workdir: Path, name: str, body: bytes | None = None, headers: dict | None = None) -> Path:
    lines = []
    if body is not None:
        lines += ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
        lines.append(f"wrk.body = [==[{body.decode()}]==]")
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    path = workdir / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def wrk(server: Server, path: str, script: Path, seconds: int) -> dict:
    # One wrk thread: on a two-core machine a second one would take CPU from the server.
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        server.url(path),
    ]
    cpu = server.cpu_s()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_s() - cpu
    match = re.search(r"^RESULT (\{.*\})$", out, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no result from wrk:\n{out}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_us"] = cpu * 1e6 / max(1, result["requests"])  # server CPU per request: steadier under load
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


# -- request bodies ----------------------------------------------------------------------
def test_digits(count: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_split(MNIST_DIR, "t10k")
    return images[:count], labels[:count]


def pixels_body(digit: np.ndarray) -> bytes:
    return orjson.dumps({"pixels": (digit.astype(np.float64) / 255).tolist()})


def image_body(digit: np.ndarray) -> bytes:
    """The digit as a canvas would send it: dark ink on white, 112x112, a PNG data URL."""
    paper = Image.fromarray(255 - digit, "L").resize((112, 112), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    paper.save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return orjson.dumps({"image": url, "steps": False})


def post(port: int, path: str, body: bytes, headers: dict | None = None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        if own:
            conn.close()


# -- profile -----------------------------------------------------------------------------
def profile_over_http(port: int, body: bytes, count: int) -> dict:
    """The server's timing_us averaged over sequential requests on one connection, with the
    round trip the client saw."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    stages, trips = {}, []
    for _ in range(count):
        started = time.perf_counter()
        status, _, answer = post(port, "/api/predict", body, conn=conn)
        trips.append((time.perf_counter() - started) * 1e6)
        assert status == 200, status
        for key, value in orjson.loads(answer)["timing_us"].items():
            stages.setdefault(key, []).append(value)
    conn.close()
    stages["round_trip"] = trips
    return {key: (statistics.fmean(values), statistics.median(values)) for key, values in stages.items()}


def profile_in_process(body: bytes, count: int) -> dict:
    """The whole app (middleware, routing, handler, rendering) called as ASGI in this process,
    without HTTP or sockets; and orjson alone on a trace."""
    from app.api.deps import Registry
    from app.main import create_app

    app = create_app(loaded_models=load_shipped())
    # What the lifespan does; no server runs it here.
    app.state.models = load_shipped()
    app.state.registry = Registry(app.state.models, app.state.settings)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/predict",
        "raw_path": b"/api/predict",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def one() -> tuple[float, bytes]:
        sent = False
        chunks = []

        async def receive():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        started = time.perf_counter()
        await app(dict(scope, state={}), receive, send)
        return (time.perf_counter() - started) * 1e6, b"".join(chunks)

    async def run() -> tuple[list[float], bytes]:
        for _ in range(50):
            await one()
        times, last = [], b""
        for _ in range(count):
            elapsed, last = await one()
            times.append(elapsed)
        return times, last

    times, last = asyncio.run(run())
    trace = orjson.loads(last)
    started = time.perf_counter()
    for _ in range(200):
        orjson.dumps(trace)
    dumps_us = (time.perf_counter() - started) / 200 * 1e6
    return {"asgi": (statistics.fmean(times), statistics.median(times)), "orjson_dumps": dumps_us}


# -- soak --------------------------------------------------------------------------------
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


# -- the run ---------------------------------------------------------------------------
def training_jobs() -> list[str]:
    out = subprocess.run(["pgrep", "-af", "app.cli train"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def machine() -> dict:
    import fastapi
    import uvicorn

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split()[1]
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "load average (1 min) at start": Path("/proc/loadavg").read_text().split()[0],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "wrk": wrk_version,
    }


def time_startups(count: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds from spawning the app to its first answer, over cold starts."""
    walls, cpus = [], []
    for _ in range(count):
        server = Server("app.main:app", "/healthz")
        walls.append(server.startup_s)
        cpus.append(server.startup_cpu_s)
        server.stop()
    return walls, cpus


def measure(args, digits: np.ndarray, labels: np.ndarray) -> dict:
    """Every figure of the run, servers started and stopped here."""
    body = pixels_body(digits[0])
    workdir = Path(tempfile.mkdtemp(prefix="bench_api_"))
    noop_lua = lua_script(workdir, "noop")
    predict_lua = lua_script(workdir, "predict", body)
    gzip_lua = lua_script(workdir, "predict_gzip", body, {"Accept-Encoding": "gzip"})
    figures = {"body_bytes": len(body)}

    figures["startups"], figures["startup_cpus"] = time_startups(args.starts)
    print(
        f"start-up to first answer: {', '.join(f'{t:.2f}' for t in figures['startups'])} s "
        f"(CPU {', '.join(f'{t:.2f}' for t in figures['startup_cpus'])} s)"
    )
    noop = Server("bench.noop_app:app", "/")
    app = Server("app.main:app", "/healthz")
    try:
        # Sizes, and a check that the served trace is right before timing it.
        status, _, plain = post(app.port, "/api/predict", body, {"Accept-Encoding": "identity"})
        assert status == 200 and orjson.loads(plain)["label"] == labels[0], status
        _, headers, zipped = post(app.port, "/api/predict", body, {"Accept-Encoding": "gzip"})
        assert headers.get("content-encoding") == "gzip"
        image = image_body(digits[0])
        _, _, image_plain = post(app.port, "/api/predict", image, {"Accept-Encoding": "identity"})
        figures["sizes"] = {"pixels": len(plain), "gzip": len(zipped), "image_no_steps": len(image_plain)}
        print(
            f"trace: {len(plain) / 1024:.1f} KB raw, {len(zipped) / 1024:.1f} KB gzip; "
            f"image input without steps {len(image_plain) / 1024:.1f} KB"
        )

        wrk(noop, "/", noop_lua, 1)  # warm-up: caches, allocator
        wrk(app, "/api/predict", predict_lua, 1)
        rounds = []
        for r in range(args.rounds):
            n = wrk(noop, "/", noop_lua, args.seconds)
            p = wrk(app, "/api/predict", predict_lua, args.seconds)
            rounds.append((n, p))
            print(
                f"round {r + 1}: noop {n['rps']:.0f} req/s, predict {p['rps']:.0f} req/s "
                f"(ratio {p['rps'] / n['rps']:.2f}), predict p50 {p['p50_us'] / 1000:.2f} ms, "
                f"p99 {p['p99_us'] / 1000:.2f} ms; server CPU per request {n['cpu_us']:.0f} / {p['cpu_us']:.0f} us; "
                f"errors {n['errors']}/{p['errors']}"
            )
        figures["rounds"] = rounds
        figures["gzip"] = gz = wrk(app, "/api/predict", gzip_lua, args.seconds)
        print(f"predict with gzip: {gz['rps']:.0f} req/s, p99 {gz['p99_us'] / 1000:.2f} ms")

        figures["http_profile"] = profile_over_http(app.port, body, args.profile)
        figures["local"] = local = profile_in_process(body, args.profile)
        print(
            "profile (us, median): "
            + ", ".join(f"{k} {v[1]:.0f}" for k, v in figures["http_profile"].items())
            + f"; in-process ASGI {local['asgi'][1]:.0f}, orjson.dumps {local['orjson_dumps']:.0f}"
        )

        figures["soak"] = soaked = asyncio.run(soak(app.port, soak_requests(args.soak, digits, labels), app))
        print(
            f"soak: {soaked['count']} requests in {soaked['seconds']:.1f} s; RSS {soaked['rss'][0][1] / 1024:.1f} MB "
            f"-> {soaked['rss'][-1][1] / 1024:.1f} MB; failures {len(soaked['failures'])}; "
            f"wrong labels {soaked['wrong_labels']}"
        )
        for failure in soaked["failures"]:
            print("   ", failure)
        figures["alive"] = get(app.port, "/healthz")[0] == 200
    finally:
        noop.stop()
        app.stop()
    return figures


# -- the report --------------------------------------------------------------------------
def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def judge(f: dict) -> tuple[list[tuple[str, str, str, bool]], dict]:
    """Rows (figure, value, target, met) and the derived numbers the report reuses."""
    rounds, sizes, soaked = f["rounds"], f["sizes"], f["soak"]
    d = {
        "noop_rps": sum(n["requests"] for n, _ in rounds) / sum(n["duration_us"] / 1e6 for n, _ in rounds),
        "predict_rps": sum(p["requests"] for _, p in rounds) / sum(p["duration_us"] / 1e6 for _, p in rounds),
        "noop_cpu": statistics.median(n["cpu_us"] for n, _ in rounds),
        "predict_cpu": statistics.median(p["cpu_us"] for _, p in rounds),
        "p50": statistics.median(p["p50_us"] for _, p in rounds) / 1000,
        "p99s": sorted(p["p99_us"] / 1000 for _, p in rounds),
        "startup": statistics.median(f["startups"]),
        "rss0": soaked["rss"][0][1] / 1024,
        "rss1": soaked["rss"][-1][1] / 1024,
    }
    d["ratio"] = d["predict_rps"] / d["noop_rps"]
    d["cpu_ratio"] = d["noop_cpu"] / d["predict_cpu"]
    d["p99"] = statistics.median(d["p99s"])
    errors = sum(n["errors"] + p["errors"] for n, p in rounds) + f["gzip"]["errors"]
    soak_ok = (
        not soaked["failures"] and soaked["tally"] == soaked["expected"] and soaked["wrong_labels"] == 0 and f["alive"]
    )
    growth = d["rss1"] - d["rss0"]
    budget = TARGETS["trace_kb"] * 1024
    rows = [
        (
            "predict throughput / noop throughput",
            f"{d['predict_rps']:.0f} / {d['noop_rps']:.0f} req/s = {d['ratio']:.2f}",
            ">= 0.5",
            d["ratio"] >= TARGETS["ratio"],
        ),
        (
            "server CPU per request, noop / predict (median round)",
            f"{d['noop_cpu']:.0f} / {d['predict_cpu']:.0f} us = {d['cpu_ratio']:.2f}",
            "(the same ratio, load-independent)",
            d["cpu_ratio"] >= TARGETS["ratio"],
        ),
        (
            "predict latency p50 / p99 at 8 connections (median round; worst p99)",
            f"{d['p50']:.2f} / {d['p99']:.2f} ms (worst {d['p99s'][-1]:.2f})",
            "p99 <= 25 ms",
            d["p99"] <= TARGETS["p99_ms"],
        ),
        (
            "trace size, pixels input (raw / gzip)",
            f"{sizes['pixels'] / 1024:.1f} / {sizes['gzip'] / 1024:.1f} KB",
            "<= 48 KB raw",
            sizes["pixels"] <= budget,
        ),
        (
            "trace size, image input with steps false",
            f"{sizes['image_no_steps'] / 1024:.1f} KB",
            "<= 48 KB raw",
            sizes["image_no_steps"] <= budget,
        ),
        (
            f"start-up to first answered /healthz (median of {len(f['startups'])}; worst; CPU)",
            f"{d['startup']:.2f} s (worst {max(f['startups']):.2f}; CPU {statistics.median(f['startup_cpus']):.2f} s)",
            "< 2 s",
            d["startup"] < TARGETS["startup_s"],
        ),
        ("wrk errors (socket or non-2xx)", str(errors), "0", errors == 0),
        (f"soak: {soaked['count']} requests, every answer as expected", yes(soak_ok), "no errors", soak_ok),
        (
            "soak: server RSS start -> end",
            f"{d['rss0']:.1f} -> {d['rss1']:.1f} MB ({growth:+.1f} MB)",
            "flat (<= 5 MB growth)",
            growth <= 5,
        ),
    ]
    return rows, d


def report(f: dict, info: dict, rows: list, d: dict, args, jobs: list[str]) -> str:
    rounds, gz, local, soaked = f["rounds"], f["gzip"], f["local"], f["soak"]
    med = {key: value[1] for key, value in f["http_profile"].items()}
    mean = {key: value[0] for key, value in f["http_profile"].items()}
    handler, trip, asgi = med["total"], med["round_trip"], local["asgi"][1]
    lines = ["# API benchmark: POST /api/predict against a bare FastAPI endpoint", "", "| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "| figure | value | target | met |", "|---|---|---|---|"]
    lines += [f"| {name} | {value} | {target} | {yes(ok)} |" for name, value, target, ok in rows]

    lines += [
        "",
        f"Rounds (wrk, 1 thread, {CONNECTIONS} connections, {args.seconds} s each, noop then predict back to back):",
        "",
        (
            "| round | noop req/s | predict req/s | ratio | predict p50 ms | predict p90 ms | predict p99 ms "
            "| noop p99 ms | server CPU us/request, noop / predict |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (n, p) in enumerate(rounds, 1):
        lines.append(
            f"| {i} | {n['rps']:.0f} | {p['rps']:.0f} | {p['rps'] / n['rps']:.2f} | {p['p50_us'] / 1000:.2f} "
            f"| {p['p90_us'] / 1000:.2f} | {p['p99_us'] / 1000:.2f} | {n['p99_us'] / 1000:.2f} "
            f"| {n['cpu_us']:.0f} / {p['cpu_us']:.0f} |"
        )
    lines.append(
        f"| predict with Accept-Encoding: gzip | | {gz['rps']:.0f} | {gz['rps'] / d['noop_rps']:.2f} "
        f"| {gz['p50_us'] / 1000:.2f} | {gz['p90_us'] / 1000:.2f} | {gz['p99_us'] / 1000:.2f} | "
        f"| - / {gz['cpu_us']:.0f} |"
    )

    stages = [
        ("read + parse the body (orjson, 784 checks)", med["parse"], mean["parse"]),
        ("forward pass (trace of every layer)", med["forward"], mean["forward"]),
        ("encode (float16 + base64 of ~20 arrays)", med["encode"], mean["encode"]),
        ("rest of the handler", handler - med["parse"] - med["forward"] - med["encode"], None),
        ("handler total (`timing_us.total`)", handler, mean["total"]),
        ("app outside the handler: routing, dependencies, middleware, render", asgi - handler, None),
        ("whole app called in-process as ASGI", asgi, local["asgi"][0]),
        ("uvicorn HTTP, loopback and the Python client", trip - asgi, None),
        ("round trip seen by the client", trip, mean["round_trip"]),
    ]
    lines += [
        "",
        (
            f"Where a predict's time goes ({args.profile} sequential requests on one connection: the handler's own "
            "`timing_us`, the same app called in-process as ASGI, and the client's round trip; medians, as on a "
            "shared machine a few preempted requests swamp a mean):"
        ),
        "",
        "| stage | median us | mean us | share of round trip |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {us:.0f} | {'' if m is None else f'{m:.0f}'} | {us / trip:.0%} |" for name, us, m in stages]
    lines += [
        f"| (orjson.dumps of one trace, alone) | {local['orjson_dumps']:.0f} | | |",
        "",
        (
            f"Outside the handler: {1 - handler / trip:.0%} of a sequential Python client's round trip. Under wrk the "
            f"server spends {d['predict_cpu']:.0f} us of CPU per predict (median round); the handler's {handler:.0f} us "
            f"is {handler / d['predict_cpu']:.0%} of it, leaving {d['predict_cpu'] - handler:.0f} us "
            f"({1 - handler / d['predict_cpu']:.0%}) for HTTP parsing, routing, dependencies, middleware and writing the "
            f"response: {(d['predict_cpu'] - handler) / d['noop_cpu']:.1f} times a whole noop request "
            f"({d['noop_cpu']:.0f} us). gzip (level 1, app/main.py) "
            f"adds {gz['cpu_us'] - d['predict_cpu']:.0f} us per predict."
        ),
        "",
        (
            f"Soak: {soaked['count']} requests over {CONNECTIONS} connections in {soaked['seconds']:.1f} s (every 10th "
            "bad, every 20th a PNG data URL, the rest pixels of 200 test digits with their labels checked); answers by "
            "kind (status: count):"
        ),
        "",
        "| kind | statuses seen | expected |",
        "|---|---|---|",
    ]
    lines += [f"| {kind} | {soaked['tally'].get(kind)} | {soaked['expected'][kind]} |" for kind in soaked["expected"]]
    lines += [
        "",
        "Server RSS during the soak (requests done: MB): "
        + ", ".join(f"{n}: {kb / 1024:.1f}" for n, kb in soaked["rss"]),
        "",
        (
            f"- uvicorn options, both servers: `{' '.join(UVICORN_OPTIONS)}`, one worker each, loopback. The noop "
            "route is `async def` (a plain `def` route would pay a thread-pool hop)."
        ),
        (
            f"- Body: test digit 0 of MNIST t10k as `pixels` ({f['body_bytes']} bytes of JSON). Each server gets a "
            "1 s warm-up; the ratio is of summed requests over summed durations across rounds."
        ),
        "- Start-up: from spawning `python -m uvicorn app.main:app` to the first 200 from /healthz (polled every 5 ms).",
        (
            "- Background load (other training runs and tests on this 2-core machine) moves the absolute figures "
            "between runs; the servers take turns so it hits both alike, and CPU per request is steadier than req/s."
        ),
    ]
    if jobs:
        lines.append(f"- {len(jobs)} training job(s) (`app.cli train`) were running during this run.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run (whole seconds)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of noop then predict")
    parser.add_argument("--starts", type=int, default=3, help="cold starts of the app to time")
    parser.add_argument("--soak", type=int, default=20_000, help="requests in the soak")
    parser.add_argument("--profile", type=int, default=400, help="sequential requests for the profile")
    args = parser.parse_args()

    info = machine()
    jobs = training_jobs()
    info["training jobs running"] = str(len(jobs)) if jobs else "none"
    print(f"API benchmark, {info['date']}, {info['nproc']} cores, load {info['load average (1 min) at start']}")
    if jobs:
        print(f"note: {len(jobs)} training job(s) running in the background; absolute figures will be lower:")
        for job in jobs:
            print("   ", job[:150])

    digits, labels = test_digits(200)
    figures = measure(args, digits, labels)
    rows, derived = judge(figures)
    print()
    for name, value, target, ok in rows:
        print(f"{name:72s} {value:36s} target {target:24s} {yes(ok)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(figures, info, rows, derived, args, jobs))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
