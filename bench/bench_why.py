"""Times of the "why" routes and the adversary's success rate; figures to bench/results/why.md.

Each route is timed through the whole app in this process (routing, parsing, the maths, JSON),
median of many requests, beside two baselines measured in the same run: one forward pass of
LeNet-5 alone and one /api/predict request with the same pixels. The success rate is that of
the default attack (10 steps, each a quarter of the budget) on the first 500 official MNIST
test digits, counted against the network's own original answer.

    .venv/bin/python bench/bench_why.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from app.main import create_app
from app.why.adversary import attack
from app.why.samples import load_test_set

RESULTS = Path(__file__).resolve().parent / "results" / "why.md"
REPEATS = 200


def median_ms(fn, repeats=REPEATS) -> float:
    fn()  # warm
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main() -> None:
    test_set = load_test_set("mnist")
    with TestClient(create_app()) as client:
        network = client.app.state.models["mnist"].network
        x = test_set.inputs(0, 1)[0]
        pixels = x[0].astype(np.float64).tolist()

        def post(path, **extra):
            def run():
                response = client.post(path, json={"pixels": pixels, **extra})
                assert response.status_code == 200, response.text
            return run

        rows = [
            ("one forward pass of LeNet-5 alone (baseline)", median_ms(lambda: network.forward(x[None]), 1000)),
            ("POST /api/predict, compact (baseline)", median_ms(post("/api/predict", detail="compact"))),
            ("POST /api/saliency gradient", median_ms(post("/api/saliency", method="gradient"))),
            ("POST /api/saliency gradient_x_input", median_ms(post("/api/saliency", method="gradient_x_input"))),
            ("POST /api/saliency gradcam", median_ms(post("/api/saliency", method="gradcam"))),
            ("POST /api/saliency occlusion (patch 4, stride 2)", median_ms(post("/api/saliency", method="occlusion"), 50)),
            ("POST /api/adversary epsilon 0.2", median_ms(post("/api/adversary", epsilon=0.2), 50)),
            ("POST /api/adversary epsilon 0.05 (mostly all 10 steps)", median_ms(post("/api/adversary", epsilon=0.05), 50)),
        ]
        t = time.perf_counter()
        client.get("/api/models/mnist/confusion")
        confusion_s = time.perf_counter() - t

    rates, times = {}, {}
    for epsilon in (0.2, 0.1):
        t = time.perf_counter()
        wins = sum(attack(network, test_set.inputs(i, i + 1)[0], epsilon).success for i in range(500))
        times[epsilon] = (time.perf_counter() - t) / 500 * 1e3
        rates[epsilon] = wins / 500

    lines = [
        "# Why did it say that: times and the adversary's success rate",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
        "(the machine is shared; compare each row with the baselines of the same run).",
        "",
        "| request (in-process, median) | ms |",
        "|---|---|",
        *[f"| {name} | {ms:.2f} |" for name, ms in rows],
        "",
        f"Confusion matrix of the whole MNIST test set, first request (computed then cached): {confusion_s:.2f} s.",
        "",
        "Adversary, default 10 gradient-sign steps, first 500 official MNIST test digits:",
        "",
        "| epsilon | answer changed | mean ms per digit (maths only) |",
        "|---|---|---|",
        *[f"| {e} | {rates[e] * 100:.1f}% | {times[e]:.2f} |" for e in (0.2, 0.1)],
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
