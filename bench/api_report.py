"""The API benchmark's verdict and report: the figures `bench_api.measure` returns, judged
against the targets of the API issue (TARGETS), and the markdown that bench_api.py writes to
bench/results/api.md.
"""

from __future__ import annotations

import statistics

from api_harness import CONNECTIONS, UVICORN_OPTIONS

TARGETS = {"ratio": 0.5, "p99_ms": 25.0, "trace_kb": 48.0, "startup_s": 2.0}


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
