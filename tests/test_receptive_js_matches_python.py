"""The page and the server compute receptive fields separately (static/js/receptive.js for
hover, app/nn/receptive.py for the API and the tests); every unit of every layer of the
shipped architecture must get the same regions from both."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.api.schemas import model_detail
from app.models import load_model
from app.nn.datasets import Preparation
from app.nn.receptive import receptive_field

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import { receptiveField } from "./static/js/receptive.js";
const model = JSON.parse(process.argv[1]);
const out = {};
for (const spec of model.layers) {
  const [c, h = 1, w = 1] = spec.output_shape;
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        out[`${spec.name}/${ch}/${y}/${x}`] = receptiveField(model, spec.name, ch, y, x);
}
console.log(JSON.stringify(out));
"""


def test_every_unit_gets_the_same_receptive_field_from_the_page_and_the_server():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    model = load_model("mnist")
    detail = model_detail(model)
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT, json.dumps(detail)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )
    from_page = json.loads(result.stdout)
    checked = 0
    for key, regions in from_page.items():
        layer, channel, y, x = key.split("/")
        expected = receptive_field(model.architecture, layer, int(channel), int(y), int(x))
        got = [(r["layer"], r["c0"], r["c1"], r["y0"], r["x0"], r["y1"], r["x1"]) for r in regions]
        want = [(r.layer, r.c0, r.c1, r.y0, r.x0, r.y1, r.x1) for r in expected]
        assert got == want, key
        checked += 1
    total = sum(
        spec["output_shape"][0] * (spec["output_shape"][1] if len(spec["output_shape"]) == 3 else 1)
        * (spec["output_shape"][2] if len(spec["output_shape"]) == 3 else 1)
        for spec in detail["layers"]
    )
    assert checked == total


SAMPLED_SCRIPT = """
import { receptiveField } from "./static/js/receptive.js";
const [model, units] = JSON.parse(process.argv[1]);
console.log(JSON.stringify(units.map(([layer, c, y, x]) => receptiveField(model, layer, c, y, x))));
"""


def test_colour_model_units_get_the_same_receptive_field_from_the_page_and_the_server():
    """Every new kind (normalize, batchnorm, relu, padded maxpool, dropout, global pooling) on
    sampled units: corners, the middle and random ones of every layer."""
    import numpy as np

    from app.nn.architecture import COLOUR32
    from app.nn.network import Network

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")

    class Held:  # what model_detail reads from a Model
        id, name, metadata = "colour", "colour", {}
        network = Network.initialise(COLOUR32)
        architecture = COLOUR32
        preparation = Preparation(kind="photo")

    detail = model_detail(Held)
    rng = np.random.default_rng(0)
    units = []
    for spec, shape in zip(COLOUR32.layers, COLOUR32.output_shapes()):
        picks = [tuple(0 for _ in shape), tuple(d - 1 for d in shape), tuple(d // 2 for d in shape)]
        picks += [tuple(int(rng.integers(d)) for d in shape) for _ in range(5)]
        units += [[spec.name, *(list(p) + [0, 0])[:3]] for p in picks]
    result = subprocess.run(
        [node, "--input-type=module", "-e", SAMPLED_SCRIPT, json.dumps([detail, units])],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )
    for (layer, c, y, x), regions in zip(units, json.loads(result.stdout)):
        expected = receptive_field(COLOUR32, layer, c, y, x)
        got = [(r["layer"], r["c0"], r["c1"], r["y0"], r["x0"], r["y1"], r["x1"]) for r in regions]
        assert got == [(r.layer, r.c0, r.c1, r.y0, r.x0, r.y1, r.x1) for r in expected], (layer, c, y, x)
