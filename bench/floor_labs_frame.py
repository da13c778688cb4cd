"""What the browser alone needs to show a Transform answer: the floor under the labs' frame target.

A Transform answer changes every map, strip, bar, legend number and per-layer number of the
network. This script measures that change with none of the page's work around it: no request,
no decoding, no colouring, no store. On the page as the labs benchmark leaves it (a seven drawn,
the Transform lab open with a shift applied), a task 25 times a second writes the pixels every
canvas of the network already holds, inverted every other time (one putImageData per canvas),
and swaps the texts the answer would change (legend ends, bar values and heights, per-layer
numbers). Each task is timed as bench_labs_page.py times an answer: from the task's start to the
end of the first frame after it, on the frames' vsync grid (frames_missed, frame_grid), and the
page's work with its frame.

If even these bare writes miss their first frame more often than the target allows (5%), or
take more than a frame's budget at p95, no page code can meet the target on this browser and
machine: what is left is the browser's own paint, commit and (here, software) compositing.
The same is measured without the Transform lab's per-layer numbers (the lab closed), taking
turns, and for a change of the Kernel lab's maps only, as a control that meets it.

Usage: .venv/bin/python bench/floor_labs_frame.py [--seconds 3]
Figures are appended to bench/results/labs_page.md under "The floor".
"""

from __future__ import annotations

import argparse
import platform
import sys

from bench_labs_page import (
    RESULTS,
    TARGET_UPDATES,
    Variant,
    apps_now_and_before,
    frame_grid,
    frames_missed,
    open_lab,
    reset,
)
from bench_page import load_average, percentile

# The page's own writes for one answer, bare: every canvas under `scope` rewritten with its own
# pixels or their inverse, and the answer's texts changed. Resolves with [start, written, frame,
# painted] per task, and the frames' [callback time, vsync timestamp] for the grid.
REPLAY = """async ([scope, tasks, every]) => {
  const root = document.querySelector(scope);
  const canvases = [...root.querySelectorAll('canvas')].filter(c => c.width && c.height && c.getClientRects().length);
  const pictures = canvases.map(c => {
    const ctx = c.getContext('2d');
    const shown = ctx.getImageData(0, 0, c.width, c.height);
    const other = new ImageData(shown.data.map((v, i) => (i % 4 === 3 ? v : 255 - v)), c.width, c.height);
    return [ctx, shown, other];
  });
  const texts = [...root.querySelectorAll('.legend-lo, .legend-hi, .bar-value, .lab-number, .kernel-maps figcaption')];
  const words = texts.map(t => t.textContent);
  const fills = [...root.querySelectorAll('.bar-fill')];
  const heights = fills.map(f => f.style.getPropertyValue('--p') || '0');
  const rec = window.__labs;
  rec.start();
  const out = [];
  for (let i = 0; i < tasks; i++) {
    await new Promise(r => setTimeout(r, every));
    const start = performance.now();
    const odd = i % 2 === 1;
    for (const [ctx, shown, other] of pictures) ctx.putImageData(odd ? shown : other, 0, 0);
    texts.forEach((t, k) => (t.textContent = odd ? words[k] : `${words[k]}1`));
    fills.forEach((f, k) => f.style.setProperty('--p', odd ? heights[k] : String(1 - Number(heights[k]))));
    const written = performance.now();
    const [frame, painted] = await new Promise(r => requestAnimationFrame(() => {
      const at = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => r([at, performance.now()]);
      channel.port2.postMessage(0);
    }));
    out.push([start, written, frame, painted]);
  }
  rec.stop();
  return {tasks: out, frames: rec.frames, canvases: canvases.length, pixels: canvases.reduce((s, c) => s + c.width * c.height, 0), texts: texts.length};
}"""


def figures(result):
    period, stamps = frame_grid(result["frames"])
    missed = [m for m in (frames_missed(start, painted, period, stamps) for start, _, _, painted in result["tasks"]) if m is not None]
    work = [written - start + painted - frame for start, written, frame, painted in result["tasks"]]
    return {
        "first_frame": sum(m == 0 for m in missed) / len(missed), "missed_max": max(missed),
        "work_p50": percentile(work, 0.5), "work_p95": percentile(work, 0.95), "period": period,
        "canvases": result["canvases"], "pixels": result["pixels"], "texts": result["texts"], "tasks": len(result["tasks"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    load_at_start = load_average()
    every = 1000 / 25  # ms: 25 answers a second, what the Transform lab shows while dragged
    tasks = int(args.seconds * 25)

    from playwright.sync_api import sync_playwright

    errors, rows = [], []
    with apps_now_and_before("") as servers, sync_playwright() as p:
        (name, server), = servers
        v = Variant(name, server, p, args.chromium, errors)
        page = v.page
        reset(page)
        open_lab(page, "transform")
        slider = page.locator('#lab-transform input[data-key="dx"]')
        slider.focus()
        for _ in range(6):  # a shift of 3 px: the per-layer numbers show
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(1200)
        whole = "Transform answer: every canvas and number of the network"
        bare = "the same without the per-layer numbers in the rows' heads (the lab closed)"
        for turn in range(2):  # taking turns: the machine's load falls on both alike
            open_lab(page, "transform")
            page.wait_for_timeout(800)
            rows.append((whole, figures(page.evaluate(REPLAY, ["#layers", tasks, every]))))
            page.locator('[role=tab][aria-selected="true"]').click()  # every lab closed: the numbers go
            page.wait_for_timeout(800)
            rows.append((bare, figures(page.evaluate(REPLAY, ["#layers", tasks, every]))))
        open_lab(page, "kernel")
        page.wait_for_timeout(1200)
        rows.append(("Kernel lab answer: its own maps and figures", figures(page.evaluate(REPLAY, ["#lab-kernel .kernel-maps", tasks, every]))))
        v.browser.close()
    if errors:
        sys.exit("page errors: " + "; ".join(errors))
    lines = [
        "",
        "## The floor: what the browser alone needs for one answer",
        "",
        f"Written by `bench/floor_labs_frame.py --seconds {args.seconds:g}` (read its docstring): the page's writes of one answer,",
        "bare (no request, no decoding, no colouring), 25 times a second, timed as the answers above are.",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, load average {load_at_start} at the start",
        f"and {load_average()} at the end. Target: first frame for 95%, work with its frame within 16.7 ms at p95, {TARGET_UPDATES:.0f}+ a second.",
        "",
        "| what changes | canvases | their pixels | texts | tasks | first frame | frames missed max | work + its frame p50 | p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for what, f in rows:
        lines.append(f"| {what} | {f['canvases']} | {f['pixels']:,} | {f['texts']} | {f['tasks']} | {100 * f['first_frame']:.0f}% | "
                     f"{f['missed_max']} | {f['work_p50']:.1f} ms | {f['work_p95']:.1f} ms |")
        print(f"{what}: first frame {100 * f['first_frame']:.0f}%, work p50 {f['work_p50']:.1f} ms p95 {f['work_p95']:.1f} ms "
              f"({f['canvases']} canvases, {f['pixels']:,} px, {f['texts']} texts)", flush=True)
    with RESULTS.open("a") as out:
        out.write("\n".join(lines) + "\n")
    print(f"appended to {RESULTS.relative_to(RESULTS.parents[2])}")


if __name__ == "__main__":
    main()
