import assert from "node:assert/strict";
import { test } from "node:test";

import { classicKernel, labFields, outputSize } from "../../static/js/labs/lab-state.js";
import { fromHash } from "../../static/js/state.js";

const fromHashLab = (hash) => fromHash(hash);

test("the output-size formula matches a count of window positions", () => {
  for (const [n, k, p, s, d] of [[28, 5, 2, 1, 1], [28, 3, 1, 2, 1], [7, 3, 0, 2, 2], [10, 5, 0, 3, 1]]) {
    const span = d * (k - 1) + 1;
    let count = 0;
    for (let start = -p; start + span <= n + p; start += s) count++;
    const r = outputSize(n, k, p, s, d);
    assert.equal(r.out, count);
    assert.equal(r.fits, (n + 2 * p - span) % s === 0);
  }
  assert.match(outputSize(28, 3, 0, 2, 1).text, /not a whole number/);
});

test("blurs sum to one and a Sobel is centred in zeros", () => {
  for (const size of [3, 5, 7]) {
    for (const name of ["box", "gaussian"]) {
      const total = classicKernel(name, size).flat().reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-9, `${name} ${size}`);
    }
  }
  const k = classicKernel("sobel_x", 5);
  assert.deepEqual(k[2], [0, -2, 0, 2, 0]);
  assert.deepEqual(k[0], [0, 0, 0, 0, 0]);
});

test("an explanation never carries the transform (its pixels are already moved)", () => {
  const state = { labEdits: [{ layer: "conv1", channel: 0, ablate: true }], labTransform: { dx: 2, dy: 0, rotate: 0, scale: 1, thickness: 0 } };
  assert.deepEqual(Object.keys(labFields(state)), ["edits", "transform"]);
  assert.deepEqual(Object.keys(labFields(state, true)), ["edits"]);
  assert.deepEqual(fromHashLab("tf=2,0,0,1,0&lab=transform").labTransform, { dx: 2, dy: 0, rotate: 0, scale: 1, thickness: 0 });
  assert.deepEqual(fromHashLab("tf=99,0,0,1,0").labTransform.dx, 0);
});
