import test from "node:test";
import assert from "node:assert/strict";

import { cropBytes, maxAbs, overlayRgba, pictureRgba, signedRgba } from "../../static/js/why/paint.js";

test("cropBytes keeps rows y0..y1 and columns x0..x1 inclusive, clipped to the picture", () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i); // 4x4, value = 4*y + x
  const crop = cropBytes(bytes, 1, 4, 4, [1, -2, 2, 1]);
  assert.deepEqual([crop.h, crop.w], [2, 2]);
  assert.deepEqual(Array.from(crop.bytes), [4, 5, 8, 9]);
});

test("a zero map blends white over the picture; the extremes take the map's ends", () => {
  const picture = Uint8Array.from([0, 255]);
  const { rgba } = overlayRgba(Float32Array.from([0, 0]), picture, 1, 1, 2, 0.5);
  // Half of the map's near-white middle (about 246) over black.
  for (const v of rgba.slice(0, 3)) assert.ok(Math.abs(v - 123) <= 2, String(v));
  const signed = signedRgba(Float32Array.from([-2, 2]), 1, 2).rgba;
  assert.ok(signed[2] > signed[0], "the negative end is blue");
  assert.ok(signed[4] > signed[6], "the positive end is orange");
  assert.equal(maxAbs([0.5, -3, 1]), 3);
});

test("pictureRgba reads colour pictures channel by channel", () => {
  const rgba = pictureRgba(Uint8Array.from([10, 20, 30]), 3, 1, 1);
  assert.deepEqual(Array.from(rgba), [10, 20, 30, 255]);
});
