import test from "node:test";
import assert from "node:assert/strict";

import { TABLES, colourIndex, colourOf, paintValues, scaleFor } from "../../static/js/colormap.js";

const lightness = ([r, g, b]) => 0.299 * r + 0.587 * g + 0.114 * b;

test("signed values get a diverging scale symmetric about zero", () => {
  assert.deepEqual(scaleFor(-1, 3), { kind: "diverging", lo: -3, hi: 3 });
  assert.deepEqual(scaleFor(-5, 2), { kind: "diverging", lo: -5, hi: 5 });
});

test("non-negative values get a sequential scale from zero", () => {
  assert.deepEqual(scaleFor(0, 2.5), { kind: "sequential", lo: 0, hi: 2.5 });
  assert.deepEqual(scaleFor(0.5, 2), { kind: "sequential", lo: 0, hi: 2 });
});

test("a flat range still has a span", () => {
  const s = scaleFor(0, 0);
  assert.ok(s.hi > s.lo);
  assert.equal(colourIndex(0, s), 0);
});

test("zero is the neutral middle of the diverging map", () => {
  const s = scaleFor(-2, 2);
  assert.equal(colourIndex(0, s), 128);
  const [r, g, b] = colourOf(0, s);
  assert.ok(Math.abs(r - g) < 8 && Math.abs(g - b) < 8 && r > 230, "near white");
});

test("diverging ends are blue for negative and orange for positive, equally dark", () => {
  const s = scaleFor(-1, 1);
  const neg = colourOf(-1, s);
  const pos = colourOf(1, s);
  assert.ok(neg[2] > neg[0], "negative end is blue");
  assert.ok(pos[0] > pos[2], "positive end is orange");
  assert.ok(Math.abs(lightness(neg) - lightness(pos)) < 40);
});

test("diverging lightness falls away from zero on both sides", () => {
  const t = TABLES.diverging;
  const l = (i) => lightness([t[3 * i], t[3 * i + 1], t[3 * i + 2]]);
  for (let i = 128; i < 255; i++) assert.ok(l(i + 1) <= l(i) + 0.5, `right side at ${i}`);
  for (let i = 127; i > 0; i--) assert.ok(l(i - 1) <= l(i) + 0.5, `left side at ${i}`);
});

test("sequential lightness rises monotonically, so order survives colour blindness and greyscale", () => {
  const t = TABLES.sequential;
  let prev = -1;
  for (let i = 0; i < 256; i++) {
    const l = lightness([t[3 * i], t[3 * i + 1], t[3 * i + 2]]);
    assert.ok(l >= prev - 0.5, `at ${i}`);
    prev = l;
  }
});

test("values outside the range clamp, NaN paints as the low end", () => {
  const s = scaleFor(0, 1);
  assert.equal(colourIndex(5, s), 255);
  assert.equal(colourIndex(-5, s), 0);
  assert.equal(colourIndex(NaN, s), 0);
});

test("painting writes opaque RGBA from the table", () => {
  const s = scaleFor(0, 1, "grey");
  const rgba = paintValues(new Float32Array([9, 0, 0.5, 1]), 1, 3, s, new Uint8ClampedArray(12));
  assert.deepEqual(Array.from(rgba), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
});
