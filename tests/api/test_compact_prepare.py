"""The page prepares a drawing itself (static/js/prepare.js); it must give the bytes the
server's own preparation (app/preprocess.py) gives for the same picture: pad-like strokes
drawn here, test digits blown up to pad size, light and dark backgrounds, a dot, a line,
a picture larger than the analysis side. Runs node on the same grey levels."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from app.models import load_model
from app.nn.datasets import Preparation
from app.nn.idx import load_split
from app.preprocess import ImageError, to_mnist

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "tests" / "data" / "mnist-t10k-1000"

SCRIPT = """
import { readFileSync } from "node:fs";
import { prepare, steps } from "./static/js/prepare.js";
const cases = JSON.parse(readFileSync(process.argv[1], "utf8"));
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const out = cases.map(({ width, height, grey, box, centre }) => {
  const bytes = Buffer.from(grey, "base64");
  const levels = Float32Array.from(bytes, (v) => v / 255);
  try {
    const p = prepare(levels, width, height, { box, centre });
    return { pixels: b64(p.pixels), info: p.info,
             steps: steps(p).map((s) => ({ name: s.name, caption: s.caption, width: s.width, height: s.height, bytes: b64(s.bytes) })) };
  } catch (err) {
    return { error: err.name, status: err.status };
  }
});
console.log(JSON.stringify(out));
"""


def strokes(rng, side=280, light=False):
    """A pad drawing: a few thick strokes with soft edges, white on black (or the reverse)."""
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(1, 4)):
        points = [tuple(rng.uniform(30, side - 30, 2)) for _ in range(rng.integers(2, 6))]
        draw.line(points, fill=255, width=int(rng.integers(8, 45)), joint="curve")
    grey = np.asarray(image.filter(ImageFilter.GaussianBlur(1.2)))
    return 255 - grey if light else grey


def blown_up(digit, side=280):
    return np.asarray(Image.fromarray(digit, "L").resize((side, side), Image.Resampling.BILINEAR))


def cases():
    rng = np.random.default_rng(8)
    images, _ = load_split(DIGITS, "t10k")
    pictures = [strokes(rng) for _ in range(30)]
    pictures += [strokes(rng, light=True) for _ in range(6)]
    pictures += [blown_up(d) for d in images[:14]]
    dot = np.zeros((280, 280), np.uint8)
    dot[100:109, 150:158] = 255  # smaller than the box: the fit scales it up
    line = np.zeros((280, 280), np.uint8)
    line[20:260, 139:141] = 200  # tall and thin
    pictures += [dot, line, strokes(rng, side=400), np.zeros((280, 280), np.uint8)]
    return pictures


def python_side(grey: np.ndarray, preparation: Preparation):
    try:
        pre = to_mnist(grey.astype(np.float32) / 255, preparation)
    except ImageError as err:
        return {"error": err.status}
    return {"pixels": np.round(pre.pixels * 255).astype(np.uint8), "info": pre.info, "steps": pre.steps()}


def run_page_side(pictures, preparation):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing, and CI=true requires the JS preparation check to run")
        pytest.skip("node is not installed")
    payload = [
        {"width": p.shape[1], "height": p.shape[0], "grey": base64.b64encode(p.tobytes()).decode(),
         "box": preparation.box, "centre": preparation.centre}
        for p in pictures
    ]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cnnvis-prepare-{os.getpid()}.json"
    path.write_text(json.dumps(payload))
    try:
        result = subprocess.run([node, "--input-type=module", "-e", SCRIPT, str(path)], cwd=ROOT,
                                capture_output=True, text=True, check=True, timeout=120)
    finally:
        path.unlink()
    return json.loads(result.stdout)


@pytest.mark.parametrize("model_id", ["mnist", "fashion"])
def test_the_page_prepares_a_drawing_as_the_server_does(model_id):
    preparation = load_model(model_id).preparation
    pictures = cases()
    from_page = run_page_side(pictures, preparation)
    model = load_model(model_id)
    steps_checked = 0
    for index, (picture, page) in enumerate(zip(pictures, from_page)):
        server = python_side(picture, preparation)
        if "error" in server:
            assert page == {"error": "NoInk", "status": server["error"]}, index
            continue
        got = np.frombuffer(base64.b64decode(page["pixels"]), np.uint8).reshape(28, 28)
        want = server["pixels"]
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff > 0).sum() <= 3, (index, diff.max(), (diff > 0).sum())
        assert page["info"] == json.loads(json.dumps(server["info"])), index
        x_page = (got.astype(np.float32) / 255)[None]
        x_server = (want.astype(np.float32) / 255)[None]
        assert model.network.forward(x_page[None]).argmax() == model.network.forward(x_server[None]).argmax()
        assert len(page["steps"]) == len(server["steps"]), index
        for step, (name, caption, image) in zip(page["steps"], server["steps"]):
            assert (step["name"], step["caption"]) == (name, caption)
            assert (step["height"], step["width"]) == image.shape
            shown = np.frombuffer(base64.b64decode(step["bytes"]), np.uint8).reshape(image.shape)
            assert np.abs(shown.astype(int) - image.astype(int)).max() <= 1, (index, name)
            steps_checked += 1
    assert steps_checked >= 4 * 50
