"""How long the test suite takes, browser tests apart: this checkout against another.

Runs `pytest` under CI=true (every test must run) on this checkout and, with `--baseline DIR`
(another checkout of the project, e.g. `git worktree add /tmp/before <commit>`), on that one,
alternately, `--rounds` times each. For every run it reads the JUnit report pytest writes and
sums the time of the tests under tests/web/ and of the rest, and it takes the CPU time of the
whole run (pytest, the servers it starts, the browser and everything they started, from the
kernel's accounting of reaped children): on a shared machine the wall-clock figures say much
about the machine, the CPU time and the ratios between checkouts measured in the same run
say more. Prints each run and writes bench/results/suite.md.

Usage: .venv/bin/python bench/bench_suite.py [--baseline DIR] [--rounds 1] [--only tests/web]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "suite.md"


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def split_times(report: Path) -> dict:
    """Seconds of the tests under tests/web/ and of the others, and how many ran, from a JUnit report."""
    web = rest = 0.0
    count = 0
    for case in ET.parse(report).getroot().iter("testcase"):
        seconds = float(case.get("time", 0))
        count += 1
        if case.get("classname", "").startswith("tests.web."):
            web += seconds
        else:
            rest += seconds
    return {"web_s": web, "rest_s": rest, "tests": count}


def run_suite(root: Path, only: str | None) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--junitxml={report}", *([only] if only else [])]
        cpu_before, started = children_cpu_s(), time.perf_counter()
        done = subprocess.run(command, cwd=root, env={**os.environ, "CI": "true"}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        wall, cpu = time.perf_counter() - started, children_cpu_s() - cpu_before
        row = {"wall_s": wall, "cpu_s": cpu, "load": os.getloadavg()[0], "passed": done.returncode == 0,
               "summary": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""}
        if report.exists():
            row.update(split_times(report))
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with, run alternately")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", help="a part of the suite to run, e.g. tests/web")
    args = parser.parse_args()
    roots = {"this checkout": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    for _ in range(min(args.rounds, 5)):
        for name, root in roots.items():
            row = run_suite(root, args.only)
            runs[name].append(row)
            print(f"{name:<14} wall {row['wall_s']:7.1f} s  CPU {row['cpu_s']:7.1f} s  tests/web {row.get('web_s', 0):7.1f} s  "
                  f"the rest {row.get('rest_s', 0):7.1f} s  load {row['load']:.1f}  {row['summary']}", flush=True)
    lines = ["# Test suite duration", "",
             f"Written by `bench/bench_suite.py`: `pytest` under CI=true{f' on {args.only}' if args.only else ''}, "
             "checkouts run alternately; tests/web and the rest summed from the JUnit report; CPU is the whole "
             "run's (pytest, servers, browser).", "",
             "| checkout | wall s | CPU s | tests/web s | the rest s | tests | load average at the end | result |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, rows in runs.items():
        for r in rows:
            lines.append(f"| {name} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | {r.get('web_s', 0):.0f} | {r.get('rest_s', 0):.0f} | "
                         f"{r.get('tests', 0)} | {r['load']:.1f} | {r['summary']} |")
    if "baseline" in runs:
        for key, label in (("wall_s", "wall"), ("cpu_s", "CPU"), ("web_s", "tests/web")):
            ours = min(r.get(key, 0) for r in runs["this checkout"])
            theirs = min(r.get(key, 0) for r in runs["baseline"])
            if ours > 0:
                lines.append(f"\n{label}: the baseline takes {theirs / ours:.2f}x as long as this checkout (best runs).")
                print(lines[-1].strip())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(r["passed"] for rows in runs.values() for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
