import { test } from "node:test";
import assert from "node:assert/strict";

import { blowUp, samePixels } from "../../static/js/maps.js";

test("two RGBA buffers are the same only when every byte of every pixel is", () => {
  const a = new Uint8ClampedArray(4 * 28 * 28).map((_, i) => i % 251);
  const b = a.slice();
  assert.equal(samePixels(a, b), true);
  for (const i of [0, 1, 2, 3, 4 * 400 + 2, a.length - 1]) {  // each channel, the middle, the very last byte
    const c = a.slice();
    c[i] = (c[i] + 1) % 256;
    assert.equal(samePixels(a, c), false, `byte ${i}`);
  }
});

test("a map blown up onto a row's pixels: each unit a cell x cell square at its place, nothing else touched", () => {
  const [w, h, cell, stride, rows, left, top] = [3, 2, 4, 20, 12, 5, 2];
  const src = new Uint8ClampedArray(4 * w * h).map((_, i) => 10 + i);
  const dst = new Uint8ClampedArray(4 * stride * rows).fill(7);
  blowUp(src, w, h, cell, dst, stride, left, top);
  // A plain loop over every pixel of the row: which unit (if any) covers it.
  for (let py = 0; py < rows; py++) {
    for (let px = 0; px < stride; px++) {
      const ux = Math.floor((px - left) / cell);
      const uy = Math.floor((py - top) / cell);
      const inside = px >= left && py >= top && ux < w && uy < h;
      for (let k = 0; k < 4; k++) {
        const want = inside ? src[4 * (uy * w + ux) + k] : 7;
        assert.equal(dst[4 * (py * stride + px) + k], want, `pixel (${px}, ${py}) byte ${k}`);
      }
    }
  }
});

test("buffers of different lengths are never the same, even where one starts as the other", () => {
  const a = new Uint8ClampedArray(4 * 9).fill(3);
  assert.equal(samePixels(a, a.slice(0, 4 * 4)), false);
  assert.equal(samePixels(a.slice(0, 4 * 4), a), false);
});
