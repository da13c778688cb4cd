import test from "node:test";
import assert from "node:assert/strict";

import { decodeBase64, decodeTensor, extent, halfToFloat, toUnit } from "../../static/js/tensor.js";

function b64(bytes) {
  return Buffer.from(bytes).toString("base64");
}

test("half bit patterns decode to their IEEE 754 values", () => {
  const cases = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x3800, 0.5],
    [0x7bff, 65504], // largest finite half
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x8001, -(2 ** -24)],
    [0x3555, 1365 / 4096], // 0.333251953125, the half nearest 1/3
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  for (const [bits, value] of cases) assert.equal(halfToFloat(bits), value, `0x${bits.toString(16)}`);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.ok(Object.is(halfToFloat(0x8000), -0));
});

test("every normal half agrees with sign * 2^(e-15) * (1 + m/1024)", () => {
  for (let h = 0; h < 0x10000; h += 7) {
    const e = (h >> 10) & 0x1f;
    if (e === 0 || e === 31) continue;
    const m = h & 0x3ff;
    const expected = (h & 0x8000 ? -1 : 1) * 2 ** (e - 15) * (1 + m / 1024);
    assert.equal(halfToFloat(h), expected);
  }
});

test("float16 tensors decode little-endian in C order", () => {
  const bytes = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x00]); // 1, -2, 0.5, 0
  const t = decodeTensor({ shape: [2, 2], dtype: "float16", data: b64(bytes) });
  assert.deepEqual(t.shape, [2, 2]);
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual(Array.from(t.data), [1, -2, 0.5, 0]);
});

test("float32 tensors decode exactly", () => {
  const values = new Float32Array([0.1, -3.25, 1e-8, 42]);
  const t = decodeTensor({ shape: [4], dtype: "float32", data: b64(new Uint8Array(values.buffer)) });
  assert.deepEqual(Array.from(t.data), Array.from(values));
});

test("uint8 tensors stay bytes and scale to 0..1 by /255", () => {
  const t = decodeTensor({ shape: [1, 1, 3], dtype: "uint8", data: b64(new Uint8Array([0, 128, 255])) });
  assert.ok(t.data instanceof Uint8Array);
  assert.deepEqual(Array.from(t.data), [0, 128, 255]);
  assert.deepEqual(Array.from(toUnit(t.data)), [0, Math.fround(128 / 255), 1]);
});

test("a tensor whose bytes do not fit its shape is refused", () => {
  assert.throws(() => decodeTensor({ shape: [3], dtype: "float32", data: b64(new Uint8Array(8)) }), /needs 12 bytes/);
  assert.throws(() => decodeTensor({ shape: [1], dtype: "int64", data: "" }), /unknown dtype/);
});

test("base64 accepts a data URL", () => {
  assert.deepEqual(Array.from(decodeBase64("data:image/png;base64,AAEC")), [0, 1, 2]);
});

test("extent finds min and max, and [0, 0] for nothing", () => {
  assert.deepEqual(extent(new Float32Array([3, -1, 2])), [-1, 3]);
  assert.deepEqual(extent(new Float32Array([])), [0, 0]);
});
