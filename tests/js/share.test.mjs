import test from "node:test";
import assert from "node:assert/strict";

import { readAddress, unitExists } from "../../static/js/address.js";
import { bytesFromBase64, fitsModel } from "../../static/js/examples.js";
import { fitBox, inkless } from "../../static/js/pad-picture.js";
import { MAX_SIDE, SMALL_BYTES, fitWithin, keepsTransparency, needsShrinking } from "../../static/js/photo.js";

// The shapes GET /api/models/mnist reports for LeNet-5.
const MODEL = {
  input_shape: [1, 28, 28],
  layers: [
    { name: "conv1", output_shape: [6, 28, 28] },
    { name: "fc1", output_shape: [120] },
  ],
};

test("a unit from an address counts only if the model has it", () => {
  assert.ok(unitExists({ layer: "conv1", channel: 5, y: 27, x: 0 }, MODEL));
  assert.ok(unitExists({ layer: "input", channel: 0, y: 3, x: 4 }, MODEL));
  assert.ok(unitExists({ layer: "fc1", index: 119 }, MODEL));
  assert.ok(!unitExists({ layer: "conv1", channel: 6, y: 0, x: 0 }, MODEL)); // only 6 maps
  assert.ok(!unitExists({ layer: "conv1", channel: 0, y: 28, x: 0 }, MODEL));
  assert.ok(!unitExists({ layer: "fc1", index: 120 }, MODEL));
  assert.ok(!unitExists({ layer: "conv1", index: 3 }, MODEL)); // a map layer has no index
  assert.ok(!unitExists({ layer: "fc9", index: 0 }, MODEL));
  assert.ok(!unitExists({ layer: "conv1", channel: 0, y: 0, x: 0 }, null));
});

test("an address's model must be one the server serves", () => {
  assert.equal(readAddress("#model=fashion", ["mnist", "fashion"], "mnist").modelId, "fashion");
  assert.equal(readAddress("#model=cats", ["mnist", "fashion"], "mnist").modelId, "mnist");
  assert.equal(readAddress("", ["mnist"], "mnist").modelId, "mnist");
});

test("example bytes decode from base64 in order", () => {
  const bytes = bytesFromBase64(Buffer.from(Uint8Array.from({ length: 784 }, (_, i) => i % 256)).toString("base64"));
  assert.equal(bytes.length, 784);
  assert.equal(bytes[1], 1);
  assert.equal(bytes[9 * 28 + 3], 255);
  assert.equal(bytes[9 * 28 + 4], 0);
});

test("photos: the long side shrinks to 1600 px, proportions kept, never enlarged", () => {
  assert.deepEqual(fitWithin(4000, 3000, MAX_SIDE), [1600, 1200]);
  assert.deepEqual(fitWithin(3000, 4000, MAX_SIDE), [1200, 1600]);
  assert.deepEqual(fitWithin(800, 600, MAX_SIDE), [800, 600]);
  assert.deepEqual(fitWithin(10000, 3, MAX_SIDE), [1600, 1]);
});

test("small photos pass unchanged; large files or large pictures are shrunk", () => {
  assert.ok(!needsShrinking(200_000, 1200, 900));
  assert.ok(needsShrinking(6_000_000, 1200, 900)); // a big file
  assert.ok(needsShrinking(70_000, 4000, 4000)); // a small file of many pixels
  assert.ok(!needsShrinking(SMALL_BYTES, MAX_SIDE, MAX_SIDE));
  assert.ok(keepsTransparency("image/png") && !keepsTransparency("image/jpeg"));
});

test("a blank pad is one with nothing above the server's ink contrast (0.15 of white)", () => {
  const rgba = new Uint8ClampedArray(4 * 100);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  assert.ok(inkless(rgba));
  rgba[4 * 50 + 1] = 38; // 38 / 255 < 0.15: anti-aliased dust the server ignores
  assert.ok(inkless(rgba));
  rgba[4 * 50 + 1] = 39; // 39 / 255 > 0.15: ink
  assert.ok(!inkless(rgba));
});

test("a picture is fitted into the pad, centred, proportions kept", () => {
  assert.deepEqual(fitBox(1600, 1200, 280), [0, 35, 280, 210]);
  assert.deepEqual(fitBox(28, 28, 280), [0, 0, 280, 280]);
  assert.deepEqual(fitBox(600, 1200, 280), [70, 0, 140, 280]);
});

test("the note speaks of the ink only: a transparent picture has no background of its own", async () => {
  const { inkText } = await import("../../static/js/answer.js");
  assert.equal(inkText(true), "dark ink, so the colours were flipped to white ink on black");
  assert.equal(inkText(false), "light ink, read as it is");
});

test("a shared input is asked for only when it is a whole input of the model shown", () => {
  const colour = { input_shape: [3, 32, 32] };
  const digits = { input_shape: [1, 28, 28] };
  assert.ok(fitsModel(new Uint8Array(3072), colour));
  assert.ok(!fitsModel(new Uint8Array(3072), digits));
  assert.ok(fitsModel(new Uint8Array(784), digits));
  assert.ok(!fitsModel(new Uint8Array(784), colour));
  assert.ok(!fitsModel(null, digits));
  assert.ok(!fitsModel(new Uint8Array(784), null));
});
