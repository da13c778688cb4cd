"""The page's speed in headless Chromium, against the targets of the visualizer issue.

Measures, on localhost with the real app:
  - stroke end -> updated page: from the pointerup event to the repaint that answers the
    finished drawing (p50/p95 over many strokes drawn with the mouse at 60 Hz);
  - a full redraw of every layer from a trace (decode the JSON + paint every map, strip and bar);
  - updates per second while drawing continuously for several seconds, and the bytes each
    live update puts on the network (request and response bodies as sent, compressed), for
    the page's own path (a drawing prepared on the page, sent as 784 bytes, a compact trace
    back) and for the older path (the whole pad as a PNG, a full trace back: `?wire=png`)
    in the same run, with the answer each path shows for the same drawing;
  - bytes of the page's own assets (HTML, CSS, JS, icon), raw and as sent (gzip).
Prints the figures with their ratio to each target and writes bench/results/page.md.

Usage: .venv/bin/python bench/bench_page.py [--strokes 60] [--seconds 4]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import math
import os
import platform
import sys
import time
import urllib.request
from pathlib import Path

from api_harness import Server  # bench/ is on sys.path when this runs as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "page.md"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TARGETS = {"stroke_p95_ms": 30.0, "redraw_ms": 16.0, "updates_per_s": 20.0, "assets_kb": 300.0, "up_kb": 4.0, "down_kb": 8.0}

# In-page recorder: stroke ends (pointerup on the pad) and repaints (cnnvis:rendered).
RECORDER = """() => {
  window.__bench = {ups: [], renders: []};
  const pad = document.querySelector('[data-testid="draw-pad"]');
  pad.addEventListener('pointerup', e => window.__bench.ups.push(performance.now()), true);
  document.addEventListener('cnnvis:rendered', e => {
    requestAnimationFrame(() => window.__bench.renders.push([e.detail.at, performance.now(), e.detail.serverMs, e.detail.version ?? 0]));
  });
}"""


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def mean_kb(values):
    return sum(values) / len(values) / 1024 if values else float("nan")


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def pad_mapper(page):
    box = page.get_by_test_id("draw-pad").bounding_box()
    return lambda x, y: (box["x"] + x * box["width"] / 280, box["y"] + y * box["height"] / 280)


def stroke(page, at, points, hz=60):
    """Draw through points (pad space) with real mouse events, one move per 1/hz seconds."""
    dt = 1.0 / hz
    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    next_t = time.perf_counter()
    for p in points[1:]:
        next_t += dt
        delay = next_t - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        page.mouse.move(*at(*p))
    page.mouse.up()


def poll(page, predicate, timeout=5.0):
    """Wait for a JS predicate by polling evaluate (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(predicate)
        time.sleep(0.005)


def line(a, b, n):
    return [(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(n + 1)]


def measure_strokes(page, n_strokes):
    """Stroke end -> the first repaint that answers the drawing as it was at pointerup."""
    at = pad_mapper(page)
    latencies, frames, server, split = [], [], [], []
    shapes = [
        line((140, 45), (138, 235), 18),  # a one
        line((75, 60), (205, 60), 12) + line((205, 60), (120, 235), 16)[1:],  # a seven
        line((90, 70), (190, 70), 10),
        line((190, 70), (110, 230), 16),
    ]
    for i in range(n_strokes):
        if i % 4 == 0:
            page.locator("#clear").click()
            page.wait_for_timeout(50)
        version_before = page.evaluate("window.__bench.ups.length")
        stroke(page, at, shapes[i % len(shapes)])
        # The stroke's final request is answered by the first render after the last move's
        # request; wait until no request is pending and take the first render after pointerup.
        poll(
            page,
            f"() => window.__bench.ups.length > {version_before} && "
            "window.__bench.renders.some(r => r[0] >= window.__bench.ups.at(-1))",
        )
        page.wait_for_timeout(120)  # let any last in-flight answer land before the next stroke
        up, renders = page.evaluate("[window.__bench.ups.at(-1), window.__bench.renders]")
        after = [r for r in renders if r[0] >= up]
        # The first render of the drawing as it was at pointerup (the newest version) is the
        # updated page; a later one for the same version only adds the preprocessing pictures.
        final = max(r[3] for r in after)
        last = min((r for r in after if r[3] == final), key=lambda r: r[0])
        latencies.append(last[0] - up)
        frames.append(last[1] - up)
        server.append(last[2])
        # Where the time went: the answered request's resource timing around pointerup.
        entry = page.evaluate(
            "(shown) => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/predict') &&"
            " e.responseEnd > 0 && e.responseEnd <= shown).map(e => [e.startTime, e.responseEnd]).at(-1)",
            last[0],
        )
        if entry:
            start, end = entry
            split.append((max(0.0, start - up), end - max(start, up), last[0] - end))
        page.evaluate("performance.clearResourceTimings()")
    return latencies, frames, server, split


def measure_redraw(page, runs=300):
    times = []
    for _ in range(runs):
        times.append(
            page.evaluate(
                "() => { document.dispatchEvent(new Event('cnnvis:measure-redraw')); return +document.body.dataset.redrawMs; }"
            )
        )
    return times[20:]  # leave out warm-up (JIT)


# Continuous drawing needs pointer events faster than the automation protocol delivers them
# on a busy machine (each CDP mouse move is a round trip), so they are made in the page: a
# pointer moving round a circle at 120 Hz, as a gaming mouse or a pen would report it.
CONTINUOUS = """async ([seconds, hz]) => {
  const pad = document.querySelector('[data-testid="draw-pad"]');
  const r = pad.getBoundingClientRect();
  const at = (i) => {
    const a = 2 * Math.PI * i / 90;
    return {clientX: r.left + r.width * (0.5 + 0.3 * Math.cos(a)), clientY: r.top + r.height * (0.5 + 0.3 * Math.sin(a))};
  };
  const ev = (type, i) => new PointerEvent(type, {pointerId: 7, pointerType: 'pen', isPrimary: true, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, ...at(i)});
  const renders = [];
  const onRender = () => renders.push(performance.now());
  document.addEventListener('cnnvis:rendered', onRender);
  pad.dispatchEvent(ev('pointerdown', 0));
  const t0 = performance.now();
  let i = 0;
  await new Promise(done => {
    const timer = setInterval(() => {
      pad.dispatchEvent(ev('pointermove', ++i));
      if (performance.now() - t0 >= seconds * 1000) { clearInterval(timer); done(); }
    }, 1000 / hz);
  });
  const t1 = performance.now();
  pad.dispatchEvent(ev('pointerup', i));
  document.removeEventListener('cnnvis:rendered', onRender);
  return {moves: i, renders: renders.filter(t => t <= t1).length, ms: t1 - t0};
}"""


class NetworkMeter:
    """Body bytes of each POST /api/predict as they crossed the wire, read from Chromium's
    DevTools protocol: the request body is `postData` (a browser sends it uncompressed);
    the response body is the bytes received for the request when it finished
    (`loadingFinished.encodedDataLength`) less those received up to its headers
    (`responseReceived.response.encodedDataLength`), so it is the gzip-compressed body."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.requests, self.headers, self.done = {}, {}, []
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._headers)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        request = event["request"]
        if request["url"].endswith("/api/predict") and request["method"] == "POST":
            self.requests[event["requestId"]] = len(request.get("postData", "").encode())

    def _headers(self, event):
        if event["requestId"] in self.requests:
            self.headers[event["requestId"]] = event["response"]["encodedDataLength"]

    def _finished(self, event):
        key = event["requestId"]
        if key in self.requests and key in self.headers:
            self.done.append((self.requests.pop(key), event["encodedDataLength"] - self.headers.pop(key)))

    def take(self):
        done, self.done = self.done, []
        return done


SHOWN = """() => [document.querySelector('[data-testid="prediction"]').textContent, document.getElementById('guesses').textContent,
  document.getElementById('preprocessing-note').textContent]"""

# One drawing made of the same pointer events every time (a 2: an arc and a base line), so
# both paths are asked about exactly the same picture, however busy the machine is.
FIXED = """() => {
  const pad = document.querySelector('[data-testid="draw-pad"]');
  const r = pad.getBoundingClientRect();
  const at = (x, y) => ({clientX: r.left + r.width * x / 280, clientY: r.top + r.height * y / 280});
  const points = [];
  for (let i = 0; i <= 40; i++) { const a = Math.PI * (1.1 + 1.2 * i / 40); points.push([140 + 60 * Math.cos(a), 100 + 50 * Math.sin(a)]); }
  for (let i = 1; i <= 20; i++) points.push([187 - 110 * i / 20, 130 + 100 * i / 20]);
  for (let i = 1; i <= 20; i++) points.push([77 + 130 * i / 20, 230]);
  const ev = (type, [x, y]) => new PointerEvent(type, {pointerId: 9, pointerType: 'pen', isPrimary: true, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, ...at(x, y)});
  pad.dispatchEvent(ev('pointerdown', points[0]));
  for (const p of points.slice(1)) pad.dispatchEvent(ev('pointermove', p));
  pad.dispatchEvent(ev('pointerup', points.at(-1)));
}"""


def shown_for_fixed_drawing(page):
    page.locator("#clear").click()
    page.wait_for_timeout(100)
    page.evaluate(FIXED)
    page.wait_for_timeout(1500)  # the stroke-end answer and its pictures land, even on a busy machine
    return page.evaluate(SHOWN)


def measure_continuous(page, seconds, meter=None, hz=120):
    """Updates per second, pointer moves per second, (up, down) bytes of each live update, and
    then the answer shown for a fixed drawing (the same pointer events on every call)."""
    page.locator("#clear").click()
    page.wait_for_timeout(100)
    if meter:
        meter.take()
    result = page.evaluate(CONTINUOUS, [seconds, hz])
    page.wait_for_timeout(400)  # the stroke-end answer lands
    sizes = meter.take() if meter else []
    return result["renders"] / (result["ms"] / 1000), result["moves"] / (result["ms"] / 1000), sizes, shown_for_fixed_drawing(page)


def measure_png_path(browser, base, seconds):
    """The same continuous drawing through the older PNG path (?wire=png), in a page of its own."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(base + "/?wire=png")
    page.wait_for_selector("body[data-ready=true]")
    meter = NetworkMeter(page)
    result = measure_continuous(page, seconds, meter)
    page.close()
    return result


FLOOR = """async () => {
  const times = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await fetch('/healthz', {cache: 'no-store'}).then(r => r.text());
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[20];
}"""


def measure_assets(page, base):
    """Every same-origin response that is not the API: the page's own assets."""
    sizes = {}

    def on_response(response):
        url = response.url
        if url.startswith(base) and "/api/" not in url:
            with contextlib.suppress(Exception):  # a redirect has no body
                sizes[url[len(base) :]] = len(response.body())

    page.on("response", on_response)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", on_response)
    raw = sum(sizes.values())
    gz = 0
    for path in sizes:
        with urllib.request.urlopen(base + path) as r:
            gz += len(gzip.compress(r.read(), compresslevel=5))
    return sizes, raw, gz


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    app_server = Server("app.main:app", "/healthz")  # served as the API benchmark serves it
    base = app_server.url
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready=true]")
            assets, raw, gz = measure_assets(page, base)
            page.evaluate(RECORDER)
            latencies, frames, server, split = measure_strokes(page, args.strokes)
            redraw = measure_redraw(page)
            meter = NetworkMeter(page)
            rate, move_rate, sizes_new, shown_new = measure_continuous(page, args.seconds, meter)
            floor = page.evaluate(FLOOR)
            rate_png, _, sizes_png, shown_png = measure_png_path(browser, base, args.seconds)
            browser.close()
    finally:
        app_server.stop()

    figures = {
        "stroke_p50_ms": percentile(latencies, 0.5),
        "stroke_p95_ms": percentile(latencies, 0.95),
        "stroke_frame_p95_ms": percentile(frames, 0.95),
        "server_p50_ms": percentile(server, 0.5),
        "wait_p50_ms": percentile([w for w, _, _ in split], 0.5),
        "request_p50_ms": percentile([r for _, r, _ in split], 0.5),
        "page_p50_ms": percentile([p for _, _, p in split], 0.5),
        "load": load_average(),
        "redraw_ms": percentile(redraw, 0.5),
        "redraw_p95_ms": percentile(redraw, 0.95),
        "updates_per_s": rate,
        "moves_per_s": move_rate,
        "floor_ms": floor,
        "assets_kb": raw / 1024,
        "assets_gzip_kb": gz / 1024,
        "up_kb": mean_kb([u for u, _ in sizes_new]),
        "down_kb": mean_kb([d for _, d in sizes_new]),
        "up_png_kb": mean_kb([u for u, _ in sizes_png]),
        "down_png_kb": mean_kb([d for _, d in sizes_png]),
        "updates_png_per_s": rate_png,
        "requests": len(sizes_new),
        "requests_png": len(sizes_png),
    }
    same_answer = shown_new == shown_png
    rows = [
        ("Stroke end -> updated page, p50", f"{figures['stroke_p50_ms']:.1f} ms", "", ""),
        (
            "Stroke end -> updated page, p95",
            f"{figures['stroke_p95_ms']:.1f} ms",
            "<= 30 ms",
            f"{figures['stroke_p95_ms'] / TARGETS['stroke_p95_ms']:.2f}x of budget",
        ),
        ("  ... to the next frame after it, p95", f"{figures['stroke_frame_p95_ms']:.1f} ms", "", ""),
        ("  ... request in flight after pointerup, p50", f"{figures['request_p50_ms']:.1f} ms", "", ""),
        ("  ... of which the server's own work, p50", f"{figures['server_p50_ms']:.1f} ms", "", ""),
        ("  ... answer received -> page repainted, p50", f"{figures['page_p50_ms']:.1f} ms", "", ""),
        ("  (the browser's round trip for an empty GET, p50)", f"{figures['floor_ms']:.1f} ms", "", ""),
        (
            "Full redraw of every layer, median",
            f"{figures['redraw_ms']:.2f} ms",
            "<= 16 ms",
            f"{figures['redraw_ms'] / TARGETS['redraw_ms']:.2f}x of budget",
        ),
        ("Full redraw of every layer, p95", f"{figures['redraw_p95_ms']:.2f} ms", "", ""),
        (
            "Updates while drawing continuously",
            f"{figures['updates_per_s']:.1f} /s",
            ">= 20 /s",
            f"{figures['updates_per_s'] / TARGETS['updates_per_s']:.2f}x the target",
        ),
        ("  (pointer moves per second fed in)", f"{figures['moves_per_s']:.0f} /s", "", ""),
        (
            "Up per live update (request body), mean",
            f"{figures['up_kb']:.2f} KB",
            "<= 4 KB",
            f"{figures['up_kb'] / TARGETS['up_kb']:.2f}x of budget; PNG path {figures['up_png_kb']:.1f} KB "
            f"({figures['up_png_kb'] / figures['up_kb']:.0f}x more)",
        ),
        (
            "Down per live update (response body, gzip), mean",
            f"{figures['down_kb']:.2f} KB",
            "<= 8 KB",
            f"{figures['down_kb'] / TARGETS['down_kb']:.2f}x of budget; PNG path {figures['down_png_kb']:.1f} KB "
            f"({figures['down_png_kb'] / figures['down_kb']:.1f}x more)",
        ),
        (
            "  PNG path: updates while drawing continuously",
            f"{figures['updates_png_per_s']:.1f} /s",
            "",
            f"page path {figures['updates_per_s'] / figures['updates_png_per_s']:.2f}x as many",
        ),
        ("  Same answer shown by both paths for the same drawing", "yes" if same_answer else "NO", "yes", ""),
        (
            "Page's own assets, raw",
            f"{figures['assets_kb']:.1f} KB",
            "<= 300 KB",
            f"{figures['assets_kb'] / TARGETS['assets_kb']:.2f}x of budget",
        ),
        ("Page's own assets, gzip", f"{figures['assets_gzip_kb']:.1f} KB", "", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target, ratio in rows:
        print(f"{name:<{width}}  {value:>10}  {target:>9}  {ratio}")
    if errors:
        print("page errors:", errors)

    lines = [
        "# Page benchmark",
        "",
        "Written by `bench/bench_page.py`: headless Chromium (`/usr/bin/chromium`) and the real app",
        f"under uvicorn on localhost, a 1366x768 viewport, {args.strokes} strokes drawn with real mouse",
        f"events at 60 Hz, {args.seconds:g} s of continuous drawing with pen events made in the page at",
        f"120 Hz. Machine: {platform.machine()},",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {os.cpu_count()} CPUs,",
        f"load average {figures['load']} at the end of the run.",
        "",
        "| measure | value | target | ratio |",
        "| --- | ---: | ---: | --- |",
    ]
    lines += [f"| {n.strip()} | {v} | {t} | {r} |" for n, v, t, r in rows]
    lines += [
        "",
        "- *Stroke end -> updated page* runs from the `pointerup` event to the end of the",
        "  synchronous repaint (every canvas written) that answers the finished drawing; when a",
        "  request is still in flight at `pointerup`, its answer is waited for first, as in real use.",
        "  The frame figure adds the wait for the next animation frame, which is bound to vsync.",
        "- *Updates while drawing* counts repaints with new answers during the continuous stroke;",
        "  with one request in flight at a time it is about 1 / (round trip + repaint).",
        "- *Up / down per live update*: every `POST /api/predict` sent during the continuous stroke",
        f"  ({figures['requests']} on the page's path, {figures['requests_png']} on the PNG path), measured",
        "  through Chromium's DevTools protocol: the request body is `postData` (browsers do not",
        "  compress requests); the response body is `loadingFinished.encodedDataLength` less",
        "  `responseReceived.response.encodedDataLength` (the bytes up to the headers), i.e. the",
        "  gzip-compressed body as sent. Headers are not counted. The page's path prepares the",
        "  drawing on the page and sends 784 bytes as a base64 Tensor with `\"detail\": \"compact\"`; the PNG",
        "  path (`/?wire=png`) sends the whole 280x280 pad as a PNG data URL and gets a full trace.",
        f"- Answer shown for the same fixed drawing (a 2): page path {shown_new[0]!r} ({shown_new[1]}); PNG path",
        f"  {shown_png[0]!r} ({shown_png[1]}).",
        "- *Full redraw* decodes the last trace's JSON (base64, float16) and repaints every layer,",
        "  legend, highlight and the answer, through the same store update a new trace goes through.",
        f"- Assets ({len(assets)} files): "
        + ", ".join(f"`{k}` {v / 1024:.1f} KB" for k, v in sorted(assets.items()))
        + ".",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
