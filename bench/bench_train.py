"""Training from the page against `cnnvis train`, and a class drawing while a model trains.

Against `cnnvis serve --workers 2` (a fresh state folder), loopback only:
  1. speed: the same settings (LeNet-5, --limit images, 1 epoch, batch 32, no augmentation)
     as a job and as `cnnvis train`, interleaved, REPEATS times each; the training seconds each
     reports (the job's `done.seconds`, the command's `train_seconds`), medians compared;
  2. streaming: the same job with and without a client reading its event stream, interleaved;
  3. the default recipe (2 epochs on the 9,000-digit sample, the API's defaults): its seconds and
     its accuracy on the full MNIST test set (../shared/data/mnist, 10,000 digits);
  4. 30 students drawing live (bench_class.py's students, compact path) while a job trains:
     latency p95.
Writes bench/results/train.md.

Usage: .venv/bin/python bench/bench_train.py [--repeats 3] [--limit 9000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

import bench_class  # bench/ is on sys.path when this runs as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "train.md"
MNIST = Path(os.environ.get("CNNVIS_MNIST_DIR") or ROOT.parent / "shared" / "data" / "mnist")  # as tests/testdata.py


def run_job(base: str, body: dict, stream: bool) -> dict:
    """Submits a job and waits for its end; with `stream`, a client reads every event meanwhile."""
    job = httpx.post(f"{base}/api/train", json=body, timeout=30).json()["job"]
    last = None
    if stream:
        with httpx.stream("GET", f"{base}/api/train/{job}/events", timeout=None) as response:
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event in ("done", "failed", "stopped"):
                    last = (event, json.loads(line[6:]))
                    break
    else:
        while True:
            state = httpx.get(f"{base}/api/train/{job}", timeout=30).json()
            if state["state"] in ("done", "failed", "stopped"):
                last = (state["state"], state)
                break
            time.sleep(0.5)
    if last[0] != "done":
        raise RuntimeError(f"job {job} ended {last}")
    return last[1]


def run_cli(limit: int, epochs: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "m.npz"
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        subprocess.run(
            ["nice", "-n", "10", sys.executable, "-m", "app.cli", "train", "--data", str(MNIST), "--out", str(out),
             "--epochs", str(epochs), "--limit", str(limit), "--batch-size", "32", "--lr", "3e-3", "--no-augment"],
            check=True, env=env, capture_output=True,
        )
        sys.path.insert(0, str(ROOT))
        from app.nn import weights

        return float(weights.load(out)[1]["train_seconds"])


def test_accuracy(state_dir: Path, model_id: str) -> float:
    sys.path.insert(0, str(ROOT))
    from app.nn import idx, weights
    from app.nn.train import accuracy

    network, _ = weights.load(state_dir / "models" / f"{model_id}.npz")
    images, labels = idx.load_split(MNIST, "t10k")
    return accuracy(network, images, labels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=9000)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[0]
    state_dir = Path(tempfile.mkdtemp(prefix="cnnvis-bench-train-"))
    os.environ["CNNVIS_STATE_DIR"] = str(state_dir)
    os.environ["CNNVIS_TRAIN_MAX_SECONDS"] = "3600"
    server = bench_class.ClassServer(2)
    base = f"http://127.0.0.1:{server.port}"
    same = {"limit": args.limit, "epochs": 1, "batch_size": 32, "lr": 3e-3, "augment": False}
    lines = [f"# Training from the page (load average at start {load}, 2 cores shared)", ""]
    try:
        job_s, cli_s, streamed_s, quiet_s = [], [], [], []
        for _ in range(args.repeats):
            job_s.append(run_job(base, same, stream=False)["seconds"])
            cli_s.append(run_cli(args.limit, 1))
            streamed_s.append(run_job(base, same, stream=True)["seconds"])
            quiet_s.append(run_job(base, same, stream=False)["seconds"])
            print(f"job {job_s[-1]} s, cnnvis train {cli_s[-1]} s, streamed {streamed_s[-1]} s, "
                  f"not streamed {quiet_s[-1]} s", flush=True)
        ratio = statistics.median(job_s) / statistics.median(cli_s)
        overhead = statistics.median(streamed_s) / statistics.median(quiet_s) - 1
        lines += [
            f"## Speed: {args.limit} digits, 1 epoch, batch 32, no augmentation ({args.repeats} interleaved runs)", "",
            "| run | median s | all |", "|---|---|---|",
            f"| job from the API | {statistics.median(job_s):.2f} | {job_s} |",
            f"| `cnnvis train` | {statistics.median(cli_s):.2f} | {cli_s} |",
            f"| job, a client streaming | {statistics.median(streamed_s):.2f} | {streamed_s} |",
            f"| job, nobody streaming | {statistics.median(quiet_s):.2f} | {quiet_s} |", "",
            f"Job / command: {ratio:.3f} (target <= 1.10). Streaming overhead: {100 * overhead:+.1f}% (target <= 5%).", "",
        ]

        started = time.perf_counter()
        done = run_job(base, {"name": "default"}, stream=True)
        wall = time.perf_counter() - started
        acc = test_accuracy(state_dir, done["model"])
        print(f"default recipe: {done['seconds']} s training, {wall:.1f} s wall, test accuracy {acc:.4f}", flush=True)
        lines += ["## The default recipe (2 epochs, 9,000 digits, batch 32, Adam 3e-3)", "",
                  f"Training {done['seconds']} s ({wall:.1f} s from POST to `done`), accuracy on the 10,000 "
                  f"official test digits {100 * acc:.2f}% (targets: >= 97% within 60 s on two quiet cores).", ""]

        digits = bench_class.load_digits()
        requests = [bench_class.request_bytes(server.port, bench_class.compact_body(d)) for d in digits]
        job = httpx.post(f"{base}/api/train", json={"epochs": 20}, timeout=30).json()["job"]
        time.sleep(2)
        records, generator = asyncio.run(bench_class.run_class(server.port, requests, 30, args.seconds))
        httpx.delete(f"{base}/api/train/{job}", timeout=30)
        row = bench_class.summarise(records, args.seconds, 0.0, generator)
        print(f"30 students while a model trains: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, "
              f"errors {row['errors']}", flush=True)
        lines += ["## 30 students drawing live while a model trains (serve --workers 2)", "",
                  f"p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, p99 {row['p99']:.1f} ms, slowest student "
                  f"{row['slowest']:.1f} updates/s, errors {row['errors']} over {args.seconds:g} s (target p95 <= 100 ms).", ""]
    finally:
        server.stop()
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
