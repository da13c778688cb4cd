"""What watching a model learn costs.

In this process, with one BLAS thread (as the training process runs):
  1. snapshots: the same job (LeNet-5, --limit images, 1 epoch, batch 32) with and without the
     live snapshot written about once a second, interleaved REPEATS times; CPU seconds of each,
     medians compared (target: within a few percent);
  2. the end of a job: CPU seconds to compute the exemplars of the trained model on the 10,000
     test images (issue target: under a minute on two cores), and to write it as ONNX;
  3. the wire: bytes (gzip, as the server sends them) of one live refresh on the page, that is
     the weights of the model as it trains plus the full trace of a drawing, against the
     compact trace the page asks for a finished model.
Writes bench/results/watch.md.

Usage: .venv/bin/python bench/bench_watch.py [--repeats 5] [--limit 3000]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's app, whatever the environment has installed
RESULTS = ROOT / "bench" / "results" / "watch.md"


def train_once(limit: int, folder: Path | None) -> tuple[float, int]:
    from app.training.live import write_snapshot
    from app.training.loop import train_job
    from app.training.recipe import TrainRequest

    count = [0]

    def snapshot(network, about):
        count[0] += 1
        write_snapshot(folder, network, about)

    req = TrainRequest(limit=limit, epochs=1)
    started = time.process_time()
    train_job(req, lambda e, d: None, lambda: False, 3600, 9000, snapshot=snapshot if folder else None)
    return time.process_time() - started, count[0]


def wire_bytes() -> dict:
    import gzip

    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings
    from app.why.samples import load_test_set

    digit = load_test_set("mnist").images[0, 0]
    pixels = {"shape": [28, 28], "dtype": "uint8", "data": __import__("base64").b64encode(digit.tobytes()).decode()}
    out = {}
    with tempfile.TemporaryDirectory() as state, TestClient(create_app(Settings(state_dir=Path(state)))) as client:
        size = lambda r: len(gzip.compress(r.content, 1))  # noqa: E731 (the server's GZip level)
        out["weights"] = size(client.get("/api/models/mnist/weights"))
        out["full"] = size(client.post("/api/predict", json={"model": "mnist", "pixels": pixels, "detail": "full", "steps": False}))
        out["compact"] = size(client.post("/api/predict", json={"model": "mnist", "pixels": pixels, "detail": "compact", "steps": False}))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--limit", type=int, default=3000)
    args = parser.parse_args()

    lines = ["# Watching a model learn (bench/bench_watch.py)", "",
             f"One BLAS thread, as the training process. {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"load average {os.getloadavg()[0]:.1f} at the start.", ""]
    train_once(200, None)  # warm up imports and caches
    plain, live, snaps = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            plain.append(train_once(args.limit, None)[0])
            seconds, count = train_once(args.limit, Path(folder))
            live.append(seconds)
            snaps.append(count)
    ratio = statistics.median(live) / statistics.median(plain)
    lines += [f"## 1. Snapshots while training ({args.limit} digits, 1 epoch, {args.repeats} interleaved runs each)", "",
              "| | median CPU s | runs |", "|---|---|---|",
              f"| without snapshots | {statistics.median(plain):.2f} | {', '.join(f'{s:.2f}' for s in plain)} |",
              f"| with a snapshot about once a second | {statistics.median(live):.2f} | {', '.join(f'{s:.2f}' for s in live)} |",
              "", f"Ratio with/without: **{ratio:.3f}** ({statistics.median(snaps):.0f} snapshots per job, median).", ""]

    from app.models import load_model
    from app.onnx_io.writer import export_network
    from app.why.exemplars import compute_exemplars
    from app.why.samples import load_test_set

    network = load_model("mnist").network
    test_set = load_test_set("mnist")
    started = time.process_time()
    compute_exemplars(network, test_set)
    exemplar_cpu = time.process_time() - started
    started = time.process_time()
    for _ in range(5):
        export_network(network).SerializeToString()
    onnx_ms = (time.process_time() - started) / 5 * 1000
    lines += ["## 2. At the end of a job", "",
              f"- Exemplars of LeNet-5 on the 10,000 test images: **{exemplar_cpu:.2f} CPU s** on one thread (target: under 60 s).",
              f"- Writing it as ONNX (`GET /api/models/{{id}}/onnx`): {onnx_ms:.1f} CPU ms per request.", ""]

    wire = wire_bytes()
    refresh = wire["weights"] + wire["full"]
    lines += ["## 3. One live refresh on the wire (gzip)", "",
              f"- Weights of the model as it trains: {wire['weights'] / 1024:.1f} KB; its full trace of a digit: "
              f"{wire['full'] / 1024:.1f} KB; together **{refresh / 1024:.1f} KB per snapshot** (at most one a second).",
              f"- For comparison, the compact trace a finished model answers a drawing with: {wire['compact'] / 1024:.1f} KB.", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
