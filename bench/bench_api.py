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

The servers, clients, wrk and request bodies are in api_harness.py, the soak in api_soak.py,
the targets and the report in api_report.py.

Usage: .venv/bin/python bench/bench_api.py [--seconds 5] [--rounds 3] [--soak 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson

# Run as `python bench/bench_api.py`, bench/ comes first on sys.path: its modules import by name.
from api_harness import ROOT, Server, get, image_body, lua_script, pixels_body, post, wrk
from api_report import judge, report, yes
from api_soak import soak, soak_requests

sys.path.insert(0, str(ROOT))

from app.models import load_shipped
from app.nn.idx import load_split

RESULTS = ROOT / "bench" / "results" / "api.md"
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"


# -- test digits -------------------------------------------------------------------------
def test_digits(count: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_split(MNIST_DIR, "t10k")
    return images[:count], labels[:count]


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
