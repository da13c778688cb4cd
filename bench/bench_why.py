"""Times of the "why" routes and the adversary's success rate; figures to bench/results/why.md.

    .venv/bin/python bench/bench_why.py [--before REVISION] [--repeats 200]

1. Each route through the whole app in this process (TestClient), median of many requests:
   the server time the route reports in its Server-Timing header (body read to JSON written:
   parsing, maths, encoding; the issue's targets are about this figure) beside the whole
   request as the client sees it, with two baselines of the same run: one forward pass of
   LeNet-5 alone and /api/predict (compact) with the same pixels.
2. The maths alone, now against the engine of an earlier commit (``--before``, default the one
   before the engine-speed work, loaded beside today's by bench/before.py), taking turns.
3. The adversary's success rate: the default attack (10 steps, each a quarter of the budget)
   on the first 500 official MNIST test digits, against the network's own original answer.

One BLAS thread, as the server should run with two workers on two cores (a second BLAS thread
only fights the other requests; it made occlusion's batched pass many times slower under load).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import base64  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from before import DEFAULT_REVISION, before_network, load_before  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from app.why import saliency as sal  # noqa: E402
from app.why.adversary import attack  # noqa: E402
from app.why.samples import load_test_set  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "why.md"
TARGETS_MS = {"gradient": 2, "gradient_x_input": 2, "gradcam": 2, "occlusion": 30, "adversary": 50}


def median_ms(values) -> float:
    return statistics.median(values) * 1e3


def route_rows(client, pixels, repeats: int) -> list[tuple[str, float, float, float | None]]:
    """(request, server ms, whole request ms, target) per route, medians, the routes taking turns."""
    cases = {
        "POST /api/predict, compact (baseline)": ("/api/predict", {"detail": "compact"}, None),
        "POST /api/saliency gradient": ("/api/saliency", {"method": "gradient"}, "gradient"),
        "POST /api/saliency gradient_x_input": ("/api/saliency", {"method": "gradient_x_input"}, "gradient_x_input"),
        "POST /api/saliency gradcam": ("/api/saliency", {"method": "gradcam"}, "gradcam"),
        "POST /api/saliency occlusion (patch 4, stride 2)": ("/api/saliency", {"method": "occlusion"}, "occlusion"),
        "POST /api/adversary epsilon 0.2": ("/api/adversary", {"epsilon": 0.2}, "adversary"),
        "POST /api/adversary epsilon 0.05 (mostly all 10 steps)": ("/api/adversary", {"epsilon": 0.05}, "adversary"),
    }
    server = {name: [] for name in cases}
    whole = {name: [] for name in cases}
    for turn in range(repeats + 1):
        for name, (path, extra, _) in cases.items():
            t = time.perf_counter()
            response = client.post(path, json={"pixels": pixels, **extra})
            elapsed = time.perf_counter() - t
            assert response.status_code == 200, response.text
            if turn == 0:
                continue  # warm-up
            whole[name].append(elapsed)
            if path == "/api/predict":
                server[name].append(response.json()["timing_us"]["total"] / 1e6)
            else:
                server[name].append(float(response.headers["server-timing"].split("dur=")[1]) / 1e3)
    return [(name, median_ms(server[name]), median_ms(whole[name]), TARGETS_MS.get(key)) for name, (_, _, key) in cases.items()]


def maths_rows(network, old_network, before, x: np.ndarray, repeats: int) -> list[tuple]:
    """(maths, now ms, before ms, now CPU ms, before CPU ms): the same computations by today's
    code and the earlier commit's. The CPU time is this thread's own: on a machine where many
    jobs share two cores, it says what the wall time would be without waiting for a core."""
    cls = int(network.forward(x[None]).argmax())
    layer = sal.default_gradcam_layer(network)

    def gradcam(module, net):
        return lambda: module.upsample_bilinear(module.gradcam_layer_map(net, x, cls, layer), 28, 28)

    def adversary(module, net, epsilon):
        return lambda: module.attack(net, x, epsilon)

    old = before.saliency
    cases = {
        "forward pass, 1 image": (lambda: network.forward(x[None]), lambda: old_network.forward(x[None])),
        "trace, 1 image": (lambda: network.trace(x), lambda: old_network.trace(x)),
        "gradient": (lambda: sal.gradient_map(network, x, cls), lambda: old.gradient_map(old_network, x, cls)),
        "Grad-CAM (and upsampling)": (gradcam(sal, network), gradcam(old, old_network)),
        "occlusion, patch 4 stride 2 (197 images)": (lambda: sal.occlusion_map(network, x, cls),
                                                     lambda: old.occlusion_map(old_network, x, cls)),
        "adversary epsilon 0.05": (adversary(sys.modules["app.why.adversary"], network, 0.05),
                                   adversary(before.adversary, old_network, 0.05)),
    }
    times = {name: ([], []) for name in cases}
    cpu = {name: ([], []) for name in cases}
    for turn in range(repeats + 1):
        for name, pair in cases.items():
            for fn, out, out_cpu in zip(pair, times[name], cpu[name]):
                t, c = time.perf_counter(), time.thread_time()
                fn()
                if turn:
                    out.append(time.perf_counter() - t)
                    out_cpu.append(time.thread_time() - c)
    return [(name, median_ms(now), median_ms(then), median_ms(cpu[name][0]), median_ms(cpu[name][1]))
            for name, (now, then) in times.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=DEFAULT_REVISION, help="git revision of the engine to compare with")
    parser.add_argument("--repeats", type=int, default=100, help="requests per route")
    parser.add_argument("--digits", type=int, default=500, help="test digits for the success rate")
    args = parser.parse_args()
    test_set = load_test_set("mnist")
    before = load_before(args.before)
    with TestClient(create_app()) as client:
        network = client.app.state.models["mnist"].network
        x = test_set.inputs(0, 1)[0]
        # As the page sends it: the trace's input handed back, a uint8 Tensor (C, H, W), 0..255.
        pixels = {"shape": list(x.shape), "dtype": "uint8",
                  "data": base64.b64encode(np.round(x * 255).astype(np.uint8).tobytes()).decode()}
        routes = route_rows(client, pixels, args.repeats)
        t = time.perf_counter()
        client.get("/api/models/mnist/confusion")
        confusion_s = time.perf_counter() - t
    old_network = before_network(before, network)
    maths = maths_rows(network, old_network, before, x, max(20, args.repeats // 2))

    rates, per_digit = {}, {}
    for epsilon in (0.2, 0.1):
        t = time.perf_counter()
        wins = sum(attack(network, test_set.inputs(i, i + 1)[0], epsilon).success for i in range(args.digits))
        per_digit[epsilon] = (time.perf_counter() - t) / args.digits * 1e3
        rates[epsilon] = wins / args.digits

    def verdict(ms, target):
        return "" if target is None else f"<= {target}: {'met' if ms <= target else 'NOT met'}"

    lines = [
        "# Why did it say that: times and the adversary's success rate",
        "",
        f"Taken {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {os.cpu_count()} cores, "
        f"one BLAS thread, load average {os.getloadavg()[0]:.1f} at the end (the machine is shared: compare each "
        "row with the baselines of the same run).",
        "",
        "| request (in-process, median) | server ms (Server-Timing) | whole request ms | target (server) |",
        "|---|---|---|---|",
        *[f"| {name} | {server:.2f} | {whole:.2f} | {verdict(server, target)} |" for name, server, whole, target in routes],
        "",
        f"The maths alone, now against commit {args.before}, taking turns (median ms; wall time, then this "
        "thread's CPU time):",
        "",
        "| maths | now | before | now / before | now, CPU ms | before, CPU ms | now / before, CPU |",
        "|---|---|---|---|---|---|---|",
        *[f"| {name} | {now:.3f} | {then:.3f} | {now / then:.2f} | {now_cpu:.3f} | {then_cpu:.3f} | {now_cpu / then_cpu:.2f} |"
          for name, now, then, now_cpu, then_cpu in maths],
        "",
        f"Confusion matrix of the whole MNIST test set, first request (computed then cached): {confusion_s:.2f} s.",
        "",
        f"Adversary, default 10 gradient-sign steps, first {args.digits} official MNIST test digits:",
        "",
        "| epsilon | answer changed | mean ms per digit (maths only) |",
        "|---|---|---|",
        *[f"| {e} | {rates[e] * 100:.1f}% | {per_digit[e]:.2f} |" for e in (0.2, 0.1)],
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
