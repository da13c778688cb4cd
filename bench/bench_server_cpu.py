"""Server CPU per live request: the figure that holds even on a busy machine.

Starts `cnnvis serve` (one worker, its defaults) on loopback, sends it the page's live request
(a drawing's 784 bytes as a uint8 Tensor, `"detail": "compact"`, gzip accepted) one after the
other on one keep-alive connection, and reads how much CPU the server process spent per
request from /proc. Wall-clock figures on a shared machine say more about the machine; CPU
time per request says what the server costs. With `--baseline DIR` (another checkout of the
project, e.g. `git worktree add /tmp/before HEAD~5`) the two are measured alternately, in the
same conditions, and their ratio is printed. Writes bench/results/server_cpu.md. Linux only.

Usage: .venv/bin/python bench/bench_server_cpu.py [--requests 2000] [--rounds 2] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import sys
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import LiveServer, cnnvis_serve  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "server_cpu.md"
HEADERS = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}


def live_bodies(root: Path, n: int = 200) -> list[bytes]:
    sys.path.insert(0, str(ROOT))
    from app.nn.idx import load_split

    images, _ = load_split(ROOT / "tests" / "data" / "mnist-t10k-1000", "t10k")
    return [orjson.dumps({"model": "mnist", "detail": "compact", "steps": False, "pixels": {
        "shape": [28, 28], "dtype": "uint8", "data": base64.b64encode(d.tobytes()).decode()}}) for d in images[:n]]


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(root: Path, bodies: list[bytes], requests: int) -> dict:
    """CPU microseconds per request of one `cnnvis serve` worker started from root."""
    with LiveServer(cnnvis_serve(), cwd=root, ready_within=180) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

        def ask(i: int) -> int:
            conn.request("POST", "/api/predict", body=bodies[i % len(bodies)], headers=HEADERS)
            response = conn.getresponse()
            size = len(response.read())
            if response.status != 200:
                raise RuntimeError(f"answer {response.status}")
            return size

        for i in range(200):  # warm-up
            ask(i)
        before, started = server_cpu_s(server.pid), time.perf_counter()
        down = sum(ask(i) for i in range(requests))
        cpu, wall = server_cpu_s(server.pid) - before, time.perf_counter() - started
        return {"cpu_us": cpu * 1e6 / requests, "wall_ms": wall * 1e3 / requests, "down_bytes": down / requests}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with, measured alternately")
    args = parser.parse_args()
    requests, rounds = min(args.requests, 20_000), min(args.rounds, 10)
    bodies = live_bodies(ROOT)
    roots = {"this checkout": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    for _ in range(rounds):
        for name, root in roots.items():
            row = measure(root, bodies, requests)
            runs[name].append(row)
            print(f"{name:<14} {row['cpu_us']:6.0f} us CPU/request  {row['wall_ms']:6.2f} ms wall  "
                  f"{row['down_bytes']:6.0f} B down (gzip)", flush=True)
    load = Path("/proc/loadavg").read_text().split()[0]
    best = {name: min(r["cpu_us"] for r in rows) for name, rows in runs.items()}
    lines = ["# Server CPU per live request", "",
             f"Written by `bench/bench_server_cpu.py`: one `cnnvis serve` worker, {requests} compact requests in a row on",
             f"one keep-alive connection, gzip accepted; {rounds} rounds; load average {load} at the end.", "",
             "| checkout | CPU us/request (best round) | every round | B down (gzip) |", "| --- | ---: | --- | ---: |"]
    for name, rows in runs.items():
        every = ", ".join(f"{r['cpu_us']:.0f}" for r in rows)
        down = np.mean([r["down_bytes"] for r in rows])
        lines.append(f"| {name} | {best[name]:.0f} | {every} | {down:.0f} |")
    if "baseline" in best:
        ratio = best["baseline"] / best["this checkout"]
        lines += ["", f"This checkout costs {ratio:.2f}x less CPU per request than the baseline."]
        print(lines[-1])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
