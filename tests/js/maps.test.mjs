import { test } from "node:test";
import assert from "node:assert/strict";

import { samePixels } from "../../static/js/maps.js";

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
