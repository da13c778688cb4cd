"""What compare mode costs while a student draws, against the page alone, in the same run.

Draws continuously on the real page in headless Chromium (the pointer events of
bench_page.py, made in the page at 120 Hz) with the page alone and with a second network
(`#compare=mnist@epoch1`, the same preparation; `#compare=fashion`, a drawing prepared twice),
in alternating rounds so both see the same machine. For each: answers per second of the first
network and of the second, bytes per live update (request and response bodies as sent,
compressed: bench_page.NetworkMeter), and the server's CPU time per second of drawing and per
request. Prints ratios to the page alone and writes bench/results/compare.md.

Usage: .venv/bin/python bench/bench_compare.py [--seconds 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

from api_harness import Server  # bench/ is on sys.path when this runs as a script
from bench_page import CHROMIUM_ARGS, CONTINUOUS, NetworkMeter

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "compare.md"
MODES = {"alone": "", "epoch 1 beside": "compare=mnist@epoch1", "clothes beside": "compare=fashion"}


class ModelMeter(NetworkMeter):
    """NetworkMeter that also notes which model each /api/predict asked about."""

    def __init__(self, page):
        super().__init__(page)
        self.models, self.asked = {}, []

    def _sent(self, event):
        super()._sent(event)
        if event["requestId"] in self.requests:
            try:
                self.models[event["requestId"]] = json.loads(event["request"].get("postData", "{}")).get("model")
            except ValueError:
                self.models[event["requestId"]] = None

    def _finished(self, event):
        if event["requestId"] in self.requests and event["requestId"] in self.headers:
            self.asked.append(self.models.pop(event["requestId"], None))
        super()._finished(event)

    def take_models(self):
        asked, self.asked = self.asked, []
        return asked


def open_page(browser, base, hash_):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{base}/#{hash_}")
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    if hash_:
        page.wait_for_selector("#compare[data-model]", timeout=30000)
    page.wait_for_function("() => document.body.dataset.weights === 'loaded'", timeout=30000)
    page.wait_for_timeout(500)
    return page


def one_round(page, server, seconds):
    meter = ModelMeter(page)
    page.locator("#clear").click()
    page.wait_for_timeout(200)
    meter.take(), meter.take_models()
    cpu = server.cpu_s()
    result = page.evaluate(CONTINUOUS, [seconds, 120])
    page.wait_for_timeout(600)  # the answers to the finished stroke land
    cpu = server.cpu_s() - cpu
    sizes, models = meter.take(), meter.take_models()
    drawn_s = result["ms"] / 1000
    first = sum(1 for m in models if m == "mnist")
    second = len(models) - first
    return {
        "first_per_s": result["renders"] / drawn_s,
        "second_per_s": second / drawn_s,
        "requests": len(sizes),
        "up_kb": sum(u for u, _ in sizes) / 1024 / max(1, result["renders"]),
        "down_kb": sum(d for _, d in sizes) / 1024 / max(1, result["renders"]),
        "cpu_ms_per_s": 1000 * cpu / drawn_s,
        "cpu_ms_per_request": 1000 * cpu / max(1, len(sizes)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    server = Server("app.main:app", "/healthz")
    runs = {mode: [] for mode in MODES}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            pages = {mode: open_page(browser, server.url, hash_) for mode, hash_ in MODES.items()}
            for _ in range(args.rounds):
                for mode, page in pages.items():
                    runs[mode].append(one_round(page, server, args.seconds))
            browser.close()
    finally:
        server.stop()

    keys = ["first_per_s", "second_per_s", "up_kb", "down_kb", "cpu_ms_per_s", "cpu_ms_per_request"]
    median = {mode: {k: statistics.median(r[k] for r in rows) for k in keys} for mode, rows in runs.items()}
    alone = median["alone"]
    lines = [
        "# Compare mode: its cost while drawing",
        "",
        f"`bench/bench_compare.py --seconds {args.seconds:g} --rounds {args.rounds}`, medians over the rounds; "
        f"{platform.node()}, {platform.processor() or platform.machine()}. Ratios are to the page alone in the same run.",
        "Per live update: the bytes of every /api/predict body (both networks' in compare mode) over the first network's answers.",
        "",
        "| mode | first network answers/s | second network answers/s | up KB/update | down KB/update | server CPU ms per s drawn | server CPU ms/request |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, m in median.items():
        ratio = lambda k: "" if mode == "alone" or not alone[k] else f" ({m[k] / alone[k]:.2f}x)"  # noqa: E731
        lines.append(
            f"| {mode} | {m['first_per_s']:.1f}{ratio('first_per_s')} | {m['second_per_s']:.1f} | "
            f"{m['up_kb']:.2f}{ratio('up_kb')} | {m['down_kb']:.2f}{ratio('down_kb')} | "
            f"{m['cpu_ms_per_s']:.0f}{ratio('cpu_ms_per_s')} | {m['cpu_ms_per_request']:.2f}{ratio('cpu_ms_per_request')} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
