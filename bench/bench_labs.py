"""The Transform lab's sweep: 70 settings as one batched forward pass against 70 single passes.

Server time of a sweep, as the handler measures it (building 70 inputs by one gather and one
forward pass of 70 images), beside a baseline of the same 70 inputs traced one at a time as
70 /api/predict calls would, and the whole request through the app (parsing and encoding
included). Run: .venv/bin/python bench/bench_labs.py; figures go to bench/results/labs.md.
"""

from __future__ import annotations

import os

# One BLAS thread, as bench_engine.py measures: on a shared 2-core server a second BLAS thread
# only fights the other requests (at 70 images OpenBLAS would otherwise start threading).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from app.labs.sweep import settings, sweep  # noqa: E402
from app.labs.transform import Transform, apply_many, apply_transform  # noqa: E402
from app.main import create_app  # noqa: E402
from testdata import mnist_sample  # noqa: E402

REPEATS = 30


def timed(fn, repeats=REPEATS) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def line(name: str, ms: list[float]) -> str:
    return f"| {name} | {statistics.median(ms):.1f} | {min(ms):.1f} | {max(ms):.1f} |"


def main() -> None:
    images, _ = mnist_sample()
    x = (images[0] / 255).astype(np.float32)[None]
    with TestClient(create_app()) as client:
        network = client.app.state.models["mnist"].network
        points = [t for _, _, t in settings(Transform())]
        batched = timed(lambda: sweep(network, x, Transform()))
        gather = timed(lambda: apply_many(x, points))
        singles = timed(lambda: [network.trace(apply_transform(x, t)) for t in points], repeats=10)
        body = {"pixels": x[0].tolist()}
        server = []
        whole = timed(lambda: server.append(client.post("/api/sweep", json=body).json()["timing_us"]["sweep"] / 1e3))
    rows = [
        f"# Transform sweep ({len(points)} settings, MNIST LeNet-5)",
        "",
        f"Taken {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, one BLAS thread, load average {os.getloadavg()[0]:.1f} (the machine is shared; figures are noisy).",
        "",
        "| what | median ms | min ms | max ms |",
        "|---|---|---|---|",
        line("sweep, server time (as the handler reports it)", server),
        line("sweep: inputs by one gather + one batched forward", batched),
        line("of which: building the 70 inputs", gather),
        line("baseline: 70 transforms and 70 single traces", singles),
        line("whole /api/sweep request through the app (parse, encode)", whole),
        "",
        f"Target: a sweep of at least 60 settings in at most 30 ms of server time: "
        f"{'met' if statistics.median(server) <= 30 else 'NOT met'} (median {statistics.median(server):.1f} ms); "
        f"{statistics.median(singles) / statistics.median(batched):.1f}x faster than the baseline.",
    ]
    out = ROOT / "bench" / "results" / "labs.md"
    out.write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
