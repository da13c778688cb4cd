"""What preparing a drawing on the page costs for each kind of model input, and what it sends.

The page prepares the pad itself on every live update (static/js/prepare-input.js): the
28x28 steps for a digit model, those steps scaled to another size for a drawing model of that
size, or the pad resized and cut like a photo for a colour photo model. This times each in
node (the same JavaScript engine as Chromium) on the same pad drawings, as a ratio to the
shipped digit model's path measured in the same run, and gives the bytes each request's
pixels take. Writes bench/results/prepare_input.md.

    .venv/bin/python bench/bench_prepare_input.py
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "prepare_input.md"

CASES = [
    ("digit model, 1x28x28 (shipped)", [1, 28, 28], {"kind": "ink", "box": 20, "centre": "mass"}),
    ("drawing model, 1x32x32", [1, 32, 32], {"kind": "ink", "box": 20, "centre": "mass"}),
    ("colour photo model, 3x32x32", [3, 32, 32], {"kind": "photo"}),
    ("colour photo model, 3x64x64", [3, 64, 64], {"kind": "photo"}),
    ("colour photo model, 3x224x224", [3, 224, 224], {"kind": "photo"}),
]

SCRIPT = """
import { readFileSync } from "node:fs";
import { prepareDrawing } from "./static/js/prepare-input.js";
const { pads, cases, repeats } = JSON.parse(readFileSync(process.argv[1], "utf8"));
const rgba = pads.map((p) => new Uint8ClampedArray(Buffer.from(p, "base64")));
const out = [];
// Every path warmed up first, so no case pays for compiling code the others share.
for (let r = 0; r < 3; r++) for (const [, shape, preparation] of cases) for (const pad of rgba) prepareDrawing(pad, 280, 280, { input_shape: shape, preparation });
for (const [label, shape, preparation] of cases) {
  const model = { input_shape: shape, preparation };
  const times = [];
  let bytes = 0;
  for (let r = 0; r < repeats; r++) {
    for (const pad of rgba) {
      const t = process.hrtime.bigint();
      const p = prepareDrawing(pad, 280, 280, model);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      bytes = p.pixels.length;
    }
  }
  times.sort((a, b) => a - b);
  out.push({ label, median: times[times.length >> 1], p90: times[Math.floor(times.length * 0.9)], bytes });
}
console.log(JSON.stringify(out));
"""


def pads(n=8):
    rng = np.random.default_rng(0)
    inks = [(255, 255, 255), (255, 0, 0), (0, 255, 0), (255, 255, 0)]  # each bright enough to be ink in grey
    out = []
    for i in range(n):
        image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
        draw = ImageDraw.Draw(image)
        for _ in range(3):
            points = [tuple(rng.uniform(30, 250, 2)) for _ in range(4)]
            draw.line(points, fill=inks[i % 4], width=22, joint="curve")
        out.append(base64.b64encode(np.asarray(image).tobytes()).decode())
    return out


def main():
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"pads": pads(), "cases": CASES, "repeats": 5}, f)
    done = subprocess.run(["node", "--input-type=module", "-e", SCRIPT, f.name], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        sys.exit(done.stderr)
    Path(f.name).unlink()
    rows = json.loads(done.stdout)
    base = rows[0]["median"]
    lines = ["# Preparing a drawing on the page, per model input", "",
             "`bench/bench_prepare_input.py`: `prepareDrawing` in node on 8 pad drawings (280x280, 5 rounds each).",
             "Ratios are to the shipped digit model's path in the same run; the machine may be shared.", "",
             "| input | median ms | p90 ms | ratio | pixels sent (bytes, base64 chars) |", "|---|---|---|---|---|"]
    for r in rows:
        chars = 4 * ((r["bytes"] + 2) // 3)
        lines.append(f"| {r['label']} | {r['median']:.2f} | {r['p90']:.2f} | {r['median'] / base:.2f} | {r['bytes']:,}, {chars:,} |")
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
