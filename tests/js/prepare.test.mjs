import test from "node:test";
import assert from "node:assert/strict";

import { NoInk, pairwiseSum, prepare, roundEven, steps } from "../../static/js/prepare.js";
import { coefficients, FILTERS, resize } from "../../static/js/resample.js";

test("halfway cases round to even, as the server rounds", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6, 12.5].map(roundEven), [0, 2, 2, -0, 2, 3, 12]);
});

test("float32 sums are added pairwise in float32", () => {
  // 2^24 + 1 is not a float32: added one by one, every 1 is lost; numpy's eight partial
  // sums add six of the ones to each other first (2^24 + 6), then the last two round to 2^24 + 8.
  const values = Float32Array.from([2 ** 24, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  let sequential = 0;
  for (const v of values) sequential = Math.fround(sequential + v);
  assert.equal(sequential, 2 ** 24);
  assert.equal(pairwiseSum(values), 2 ** 24 + 8);
});

test("shrinking by two with a box filter averages pairs", () => {
  const { data } = resize({ data: Float32Array.from([1, 3, 5, 7]), width: 4, height: 1 }, 2, 1, "box");
  assert.deepEqual(Array.from(data), [2, 6]);
});

test("Lanczos weights are stretched by the shrink factor and normalised", () => {
  const rows = coefficients(30, 10, FILTERS.lanczos); // shrink by 3: support 9 input pixels each way
  for (const { weights } of rows) assert.ok(Math.abs(weights.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  const middle = rows[5];
  assert.equal(middle.first, Math.trunc(16.5 - 9 + 0.5));
  assert.equal(middle.weights.length, Math.trunc(16.5 + 9 + 0.5) - middle.first);
});

test("a square blob is fitted to 20x20 and centred in 28x28", () => {
  const grey = new Float32Array(100 * 100);
  for (let y = 30; y < 70; y++) for (let x = 20; x < 60; x++) grey[y * 100 + x] = 1;
  const { pixels, info } = prepare(grey, 100, 100, { box: 20, centre: "mass" });
  let rows = 0;
  for (let y = 0; y < 28; y++) if (pixels.subarray(y * 28, y * 28 + 28).some((v) => v > 128)) rows++;
  assert.equal(rows, 20);
  assert.equal(pixels[4 * 28 + 4], 255); // the blob spans 4..23
  assert.equal(pixels[3 * 28 + 3] <= 8, true);
  assert.deepEqual(info.bbox, [20, 30, 60, 70]);
  assert.deepEqual(info.shift, [0, 0]);
  assert.equal(info.inverted, false);
});

test("dark ink on a light background is flipped", () => {
  const grey = new Float32Array(50 * 50).fill(1);
  for (let y = 10; y < 40; y++) grey[y * 50 + 25] = 0;
  const { info } = prepare(grey, 50, 50, { box: 28, centre: "box" });
  assert.equal(info.inverted, true);
  assert.equal(info.background, "light");
});

test("a blank pad has no ink", () => {
  assert.throws(() => prepare(new Float32Array(280 * 280), 280, 280), NoInk);
  assert.throws(() => prepare(new Float32Array(28 * 28).fill(0.1), 28, 28), NoInk);
});

test("the steps carry the server's names and captions", () => {
  const grey = new Float32Array(280 * 280);
  for (let y = 40; y < 240; y++) for (let x = 130; x < 150; x++) grey[y * 280 + x] = 1;
  const names = steps(prepare(grey, 280, 280)).map((s) => [s.name, s.width, s.height]);
  assert.deepEqual(names, [["grayscale", 40, 40], ["cropped", 4, 40], ["fitted", 2, 20], ["centred", 28, 28]]);
});
