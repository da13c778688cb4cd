"""Where the renderer's time goes per answer while a lab control is dragged: a Chrome trace
(devtools.timeline, V8 and GC categories) and a JavaScript CPU profile taken together over a
few seconds of each control, then summed per kind of work and divided by the answers shown.

Rows, per answer shown:
  - main thread, by top-level task kind: our scripts (event handlers, the fetch continuation,
    animation-frame callbacks), style + layout, paint (pre-paint, paint, layerize, commit),
    garbage collection (V8's GC events on the main thread), other;
  - inside our scripts, by function (self time from the CPU profile, our files and the
    built-ins they call: JSON.parse, atob, putImageData are attributed where V8 puts them);
  - other threads: raster and compositor task time;
  - what "other" is: self time of the trace events on the main thread that lie outside every
    kind above (the IPC that brings answers, input and canvas-resource returns; the frame's own
    bookkeeping), by event name.
With --paints, also what is repainted per answer (CDP LayerTree: every composited layer with its
size and paint count, read before and after the drag): the layers repainted, the largest, and
their area times repaints (an upper bound on what is re-recorded; raster covers only the
invalidated part, which the raster row measures in time), plus the invalidation-tracking
category in the trace (open it with TRACE_DUMP to see which node changed and why).
Run against the page as it is (and --before REV in the same run, taking turns), so the
split before and after a change can be compared on one machine at one load.

Usage: .venv/bin/python bench/trace_labs_page.py [--seconds 3] [--controls dx,"kernel edit"] [--before 574c0a4] [--paints]
TRACE_NO_PROFILE=1 leaves the JavaScript profile out (less overhead, no function rows);
TRACE_DUMP=DIR writes each raw trace there (`variant-control.json`) to read further.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bench_labs_page import (
    KERNEL_START,
    ROOT,
    Variant,
    answers_shown,
    apps_now_and_before,
    controls,
    load_average,
    move_control,
    open_lab,
    reset,
)

RESULTS = ROOT / "bench" / "results" / "labs_trace.md"
CATEGORIES = ",".join([
    "devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.frame",
    "v8", "v8.execute", "disabled-by-default-v8.gc", "blink", "cc", "gpu", "toplevel",
])
# With --paints: what is repainted, and why (Paint events carry their layer and clip; the
# invalidation-tracking events name the node and the reason).
PAINT_CATEGORIES = "disabled-by-default-devtools.timeline.invalidationTracking"
# Main-thread top-level tasks by their trace name, grouped into the kinds the report lists.
KINDS = {
    "script": {"FunctionCall", "EventDispatch", "FireAnimationFrame", "TimerFire", "RunMicrotasks",
               "v8.run", "EvaluateScript", "V8.Execute", "XHRReadyStateChange", "ResourceReceivedData"},
    "style + layout": {"UpdateLayoutTree", "Layout", "RecalculateStyles", "UpdateLayerTree", "HitTest"},
    "paint": {"PrePaint", "Paint", "Layerize", "Commit", "UpdateLayer", "PaintImage", "CompositeLayers",
              "ScrollLayer", "Decode Image"},
    "GC": {"MinorGC", "MajorGC", "V8.GCScavenger", "V8.GCFinalizeMC", "V8.GCIncrementalMarking",
           "BlinkGC.AtomicPhase", "V8.GCCompactor", "V8.GC_MC_BACKGROUND_MARKING", "ThreadState::performIdleLazySweep",
           "BlinkGC.CompleteSweep", "BlinkGC.IncrementalMarkingStep", "CppGC.AtomicPhase", "CppGC.IncrementalMark",
           "V8.GCScavengerTask", "V8.GC_HEAP_EXTERNAL_EPILOGUE", "V8.GCMarkCompactor"},
}


def thread_names(events):
    names = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e["pid"], e["tid"])] = e["args"]["name"]
    return names


def kind_of(name):
    for kind, names in KINDS.items():
        if name in names:
            return kind
    return "GC" if "GC" in name else None


def split_main(events, main):
    """Milliseconds per kind on the renderer's main thread. Nested events are counted once, at
    the outermost event of a known kind (GC and paint inside a script counted apart from it)."""
    spans = sorted((e["ts"], e["ts"] + e.get("dur", 0), e["name"]) for e in events
                   if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and e.get("dur"))
    out = Counter()
    tasks = [(s, t) for s, t, n in spans if n in ("ThreadControllerImpl::RunTask", "RunTask")]
    out["all tasks"] = sum(t - s for s, t in merge(tasks)) / 1000
    counted = defaultdict(list)  # kind -> merged intervals, so nested events of one kind count once
    for start, end, name in spans:
        kind = kind_of(name)
        if kind:
            counted[kind].append((start, end))
    merged = {k: merge(v) for k, v in counted.items()}
    # GC and style/paint nested inside scripts: subtracted from the script's time.
    for kind in ("GC", "style + layout", "paint"):
        out[kind] = sum(t - s for s, t in merged.get(kind, [])) / 1000
    script = sum(t - s for s, t in merged.get("script", [])) / 1000
    inside = sum(overlap(merged.get("script", []), merged.get(k, [])) for k in ("GC", "style + layout", "paint")) / 1000
    out["script"] = script - inside
    out["other"] = out["all tasks"] - out["script"] - out["GC"] - out["style + layout"] - out["paint"]
    for name in KINDS["paint"]:  # the paint row by its parts (each merged on its own)
        part = sum(t - s for s, t in merge([(s, t) for s, t, n in spans if n == name])) / 1000
        if part >= 0.05 * len(tasks) / 1000 or part > 1:
            out[f"  paint: {name}"] = part
    return out


def merge(intervals):
    out = []
    for s, t in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], t))
        else:
            out.append((s, t))
    return out


def overlap(a, b):
    total, j = 0, 0
    for s, t in a:
        for s2, t2 in b:
            if s2 < t and t2 > s:
                total += min(t, t2) - max(s, s2)
    return total


def other_split(events, main, top=8):
    """Self milliseconds by event name of the main thread's work inside tasks but outside every
    kind in KINDS: what the report's "other" row is made of."""
    spans = sorted((e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and e.get("dur")),
                   key=lambda e: (e["ts"], -e["dur"]))
    tasks = ("RunTask", "ThreadControllerImpl::RunTask")
    out, stack = Counter(), []  # stack: [event, children's time, inside a known kind or outside any task]

    def close(upto):
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= upto:
            e, children, skip = stack.pop()
            if not skip and e["name"] not in tasks:
                out[e["name"]] += (e["dur"] - children) / 1000
            if stack:
                stack[-1][1] += e["dur"]

    for e in spans:
        close(e["ts"])
        in_task = e["name"] in tasks or any(s[0]["name"] in tasks for s in stack)
        skip = not in_task or bool(kind_of(e["name"])) or any(s[2] for s in stack)
        stack.append([e, 0, skip])
    close(float("inf"))
    return dict(out.most_common(top))


class Layers:
    """The page's composited layers as CDP's LayerTree domain reports them (id -> layer)."""

    def __init__(self, cdp):
        self.cdp, self.now = cdp, {}
        cdp.on("LayerTree.layerTreeDidChange", lambda e: self.now.update({l["layerId"]: l for l in e.get("layers") or []}))
        cdp.send("LayerTree.enable")

    def counts(self):
        return {k: l.get("paintCount", 0) for k, l in self.now.items()}

    def repainted(self, before, n):
        """Per answer: layers repainted, layers in all, and the repainted layers largest first."""
        rows = []
        for k, l in self.now.items():
            times = l.get("paintCount", 0) - before.get(k, 0)
            if l.get("drawsContent") and times > 0:
                rows.append({"w": l["width"], "h": l["height"], "times": times, "area": l["width"] * l["height"] * times / n,
                             "node": self.node(l.get("backendNodeId"))})
        rows.sort(key=lambda r: -r["area"])
        return {"layers": len(self.now), "repainted": len(rows), "area": sum(r["area"] for r in rows), "largest": rows[:6]}

    def node(self, backend_id):
        if not backend_id:
            return "(no node)"
        try:
            node = self.cdp.send("DOM.describeNode", {"backendNodeId": backend_id})["node"]
        except Exception:  # the node went away
            return "(gone)"
        attrs = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2]))
        ident = f"#{attrs['id']}" if "id" in attrs else (f".{attrs['class'].split()[0]}" if attrs.get("class") else "")
        return node["nodeName"].lower() + ident


def other_threads(events, names, renderer_pid):
    """Milliseconds of raster and compositor work, any process (software raster runs in the renderer)."""
    out = Counter()
    for e in events:
        if e.get("ph") != "X" or not e.get("dur"):
            continue
        thread = names.get((e["pid"], e["tid"]), "")
        if e["name"] in ("RasterTask", "TileTaskManagerImpl::ScheduleTasks", "RasterBufferProvider::OrderingBarrier"):
            out["raster"] += e["dur"] / 1000
        elif thread.startswith("Compositor") and e["name"] in ("ThreadControllerImpl::RunTask", "RunTask"):
            out[f"compositor ({'renderer' if e['pid'] == renderer_pid else 'browser/gpu'})"] += e["dur"] / 1000
        elif thread.startswith("VizCompositor") and e["name"] in ("ThreadControllerImpl::RunTask", "RunTask"):
            out["display compositor"] += e["dur"] / 1000
    return out


def profile_split(profile):
    """Self milliseconds per function (file:function) from a CDP Profiler profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    dt = Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        dt[sample] += delta
    out = Counter()
    for node_id, us in dt.items():
        frame = nodes[node_id]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1] or "(page)"
        fn = frame["functionName"] or "(anonymous)"
        key = fn if fn.startswith("(") else f"{url}:{fn}"
        out[key] += us / 1000
    return out


def measure(variant, lab, name, how, margs, seconds, paints=False):
    page, cdp = variant.page, variant.cdp
    reset(page)
    if lab == "pad":
        page.locator('[role=tab][aria-selected="true"]').click()
    else:
        open_lab(page, lab)
    if lab == "kernel":
        for key, value in KERNEL_START.items():
            page.locator(f'#lab-kernel select[data-key="{key}"]').select_option(value)
        page.locator('#lab-kernel input[type="checkbox"]').set_checked(False)
    page.wait_for_timeout(500)
    page.evaluate("() => { window.__labs.answers = []; window.__labs.renders = []; window.__labs.kernelDraws = []; window.__labs.start(); }")
    if paints and not hasattr(variant, "layers"):
        cdp.send("DOM.enable")
        cdp.send("DOM.getDocument", {"depth": -1})
        variant.layers = Layers(cdp)
        page.wait_for_timeout(300)
    counts = variant.layers.counts() if paints else {}
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    variant.browser.start_tracing(page=page, categories=CATEGORIES.split(",") + ([PAINT_CATEGORIES] if paints else []))
    if not os.environ.get("TRACE_NO_PROFILE"):
        cdp.send("Profiler.start")
    t0 = page.evaluate("performance.now()")
    move_control(page, how, margs, seconds)
    t1 = page.evaluate("performance.now()")
    page.wait_for_timeout(500)
    profile = {"nodes": [], "samples": [], "timeDeltas": []} if os.environ.get("TRACE_NO_PROFILE") else cdp.send("Profiler.stop")["profile"]
    trace = json.loads(variant.browser.stop_tracing())
    page.evaluate("window.__labs.stop()")
    rec = page.evaluate("window.__labs")
    shown, _ = answers_shown(rec, t0, t1)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    if os.environ.get("TRACE_DUMP"):
        Path(os.environ["TRACE_DUMP"], f"{variant.name}-{name}.json").write_text(json.dumps(events))
    names = thread_names(events)
    mains = [key for key, n in names.items() if n == "CrRendererMain"]
    # The page's renderer: the main thread with the most work.
    busy = Counter((e["pid"], e["tid"]) for e in events if (e["pid"], e["tid"]) in mains and e.get("ph") == "X")
    main = busy.most_common(1)[0][0]
    n = max(1, len(shown))
    split = {k: v / n for k, v in split_main(events, main).items()}
    threads = {k: v / n for k, v in other_threads(events, names, main[0]).items()}
    functions = {k: v / n for k, v in profile_split(profile).items()}
    other = {k: v / n for k, v in other_split(events, main).items()}
    layers = variant.layers.repainted(counts, n) if paints else None
    return {"variant": variant.name, "lab": lab, "name": name, "shown": len(shown), "seconds": (t1 - t0) / 1000,
            "main": split, "threads": threads, "functions": functions, "other": other, "layers": layers}


def describe(row, top=14):
    lines = [f"### {row['name']} ({row['variant']}): {row['shown']} answers shown in {row['seconds']:.1f} s, per answer", ""]
    m = row["main"]
    lines.append("| main thread | ms / answer |")
    lines.append("| --- | ---: |")
    for k in ("all tasks", "script", "style + layout", "paint", "GC", "other"):
        lines.append(f"| {k} | {m.get(k, 0):.1f} |")
        if k == "paint":
            lines += [f"| {p.strip()} | {m[p]:.1f} |" for p in sorted(m, key=lambda p: -m[p]) if p.startswith("  paint: ")]
    for k, v in sorted(row["threads"].items()):
        lines.append(f"| {k} (other thread) | {v:.1f} |")
    lines += ["", "| of \"other\": trace event (self time) | ms / answer |", "| --- | ---: |"]
    lines += [f"| `{k}` | {v:.2f} |" for k, v in row["other"].items()]
    if row["layers"]:
        lay = row["layers"]
        lines += ["", f"Layers: {lay['layers']} composited, {lay['repainted']} repainted during the drag, "
                      f"{lay['area'] / 1e6:.2f} Mpx of layer area x repaints per answer; the largest:", "",
                  "| layer (its first node) | size | repaints | Mpx / answer |", "| --- | --- | ---: | ---: |"]
        lines += [f"| `{r['node']}` | {r['w']}x{r['h']} | {r['times']} | {r['area'] / 1e6:.3f} |" for r in lay["largest"]]
    if not row["functions"]:
        return "\n".join(lines) + "\n"
    lines += ["", "| function (self time, JS profile) | ms / answer |", "| --- | ---: |"]
    for k, v in sorted(row["functions"].items(), key=lambda kv: -kv[1])[:top]:
        if k == "(idle)":
            continue
        lines.append(f"| `{k}` | {v:.2f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only", "--controls", dest="only", default="dx,kernel edit")
    parser.add_argument("--before", default="")
    parser.add_argument("--paints", action="store_true", help="also list what is repainted per answer, and why")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    wanted = set(filter(None, args.only.split(",")))
    rows, errors = [], []
    with apps_now_and_before(args.before) as servers, sync_playwright() as p:
        variants = [Variant(name, server, p, args.chromium, errors) for name, server in servers]
        for lab, name, how, margs in controls():
            if name not in wanted or how == "draw":
                continue
            for v in variants:
                row = measure(v, lab, name, how, margs, args.seconds, args.paints)
                rows.append(row)
                print(describe(row), flush=True)
        for v in variants:
            v.browser.close()
    if errors:
        print("page errors:", errors)
    text = ["# Where the page's time goes per answer while dragging", "",
            f"Written by `bench/trace_labs_page.py --only {args.only}" + (f" --before {args.before}" if args.before else "")
            + (" --paints" if args.paints else "") + "`: "
            "a Chrome trace and a JavaScript CPU profile over the drag (both add overhead: read the split, not the totals).",
            f"{os.cpu_count()} CPUs, load average {load_average()} at the end of the run (the machine is shared).", ""]
    text += [describe(r) for r in rows]
    RESULTS.write_text("\n".join(text))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
