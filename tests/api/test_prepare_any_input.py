"""A drawing prepared on the page for any model's input (static/js/prepare-input.js) must give
the bytes the server gives the same pad (app/centre_crop.py for a photo model, to_mnist and
fit_to_input for a drawing model of another size). Coloured strokes on a pad-sized canvas,
several input sizes; node runs the page's modules on the same RGBA bytes."""

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

from app.centre_crop import to_photo
from app.nn.datasets import Preparation
from app.preprocess import fit_to_input, to_mnist

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import { readFileSync } from "node:fs";
import { prepareDrawing } from "./static/js/prepare-input.js";
const cases = JSON.parse(readFileSync(process.argv[1], "utf8"));
const out = cases.map(({ width, height, rgba, shape, preparation }) => {
  const bytes = new Uint8ClampedArray(Buffer.from(rgba, "base64"));
  const p = prepareDrawing(bytes, width, height, { input_shape: shape, preparation });
  return { pixels: Buffer.from(p.pixels).toString("base64"), shape: p.shape, info: p.info };
});
console.log(JSON.stringify(out));
"""

INK = [(255, 255, 255), (255, 40, 40), (250, 220, 30), (40, 200, 60), (60, 90, 255), (230, 60, 230)]


def coloured_pad(rng, side=280):
    """A pad drawing: strokes of several inks with soft edges on black."""
    image = Image.new("RGB", (side, side), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(2, 5)):
        points = [tuple(rng.uniform(20, side - 20, 2)) for _ in range(rng.integers(2, 5))]
        draw.line(points, fill=INK[rng.integers(len(INK))], width=int(rng.integers(8, 40)), joint="curve")
    return image.filter(ImageFilter.GaussianBlur(1.0))


def run_page(cases):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing, and CI=true requires the page's preparation to be checked")
        pytest.skip("node is not installed")
    rgba = lambda image: base64.b64encode(np.asarray(image.convert("RGBA")).tobytes()).decode()  # noqa: E731
    payload = [{k: v for k, v in c.items() if k != "image"} | {"rgba": rgba(c["image"])} for c in cases]
    data = ROOT / "test-artifacts" / "prepare-any-input.json"
    data.parent.mkdir(exist_ok=True)
    data.write_text(json.dumps(payload))
    done = subprocess.run([node, "--input-type=module", "-e", SCRIPT, str(data)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def page_pixels(answer):
    return np.frombuffer(base64.b64decode(answer["pixels"]), np.uint8).reshape(answer["shape"])


@pytest.mark.parametrize("shape", [(3, 32, 32), (3, 64, 48), (1, 32, 32), (3, 16, 16), (3, 28, 28), (3, 100, 100)])
def test_photo_model_gets_the_servers_bytes_for_a_coloured_drawing(shape):
    rng = np.random.default_rng(sum(shape))
    pads = [coloured_pad(rng) for _ in range(3)]
    answers = run_page([{"image": pad, "width": 280, "height": 280, "shape": list(shape),
                         "preparation": {"kind": "photo"}} for pad in pads])
    for pad, answer in zip(pads, answers):
        server = to_photo(pad, shape)
        expected = np.round(server.pixels * 255).astype(np.uint8)
        got = page_pixels(answer)
        assert got.shape == expected.shape
        assert np.array_equal(got, expected), f"{shape}: {np.argwhere(got != expected)[:5]} differ"
        assert answer["info"]["crop"] == server.info["crop"]
        assert answer["info"]["resized_size"] == server.info["resized_size"]


@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 32, 32), (1, 20, 24)])
def test_drawing_model_of_another_size_gets_the_servers_bytes(shape):
    rng = np.random.default_rng(7 + sum(shape))
    pads = [coloured_pad(rng) for _ in range(3)]
    answers = run_page([{"image": pad, "width": 280, "height": 280, "shape": list(shape),
                         "preparation": {"kind": "ink", "box": 20, "centre": "mass"}} for pad in pads])
    for pad, answer in zip(pads, answers):
        grey = np.asarray(pad.convert("L"), np.float32) / 255  # the server's grey of an opaque picture
        server = fit_to_input(to_mnist(grey, Preparation(20, "mass")), shape)
        expected = np.round(server.pixels * 255).astype(np.uint8)
        assert np.array_equal(page_pixels(answer), expected.reshape(shape))
        assert (page_pixels(answer)[0] > 0).sum() > 20  # something was drawn


@pytest.mark.parametrize("shape", [(3, 28, 28), (3, 32, 32), (1, 20, 24)])
def test_a_drawing_for_another_input_is_on_the_8_bit_grid_and_the_same_in_every_channel(shape):
    """fit_to_input: the model reads bytes / 255 (as its training pictures were), white ink in
    every channel; at 28x28 the channels are the prepared digit itself, whatever their number."""
    pad = coloured_pad(np.random.default_rng(3))
    grey = np.asarray(pad.convert("L"), np.float32) / 255
    digit = to_mnist(grey, Preparation(20, "mass")).pixels.copy()  # (28, 28)
    got = fit_to_input(to_mnist(grey, Preparation(20, "mass")), shape).pixels
    assert got.shape == shape
    assert np.abs(got * 255 - np.round(got * 255)).max() < 1e-3
    assert all(np.array_equal(channel, got[0]) for channel in got)
    if shape[1:] == (28, 28):
        np.testing.assert_array_equal(got[0], digit)
    assert got.max() > 0.5  # the stroke is there
