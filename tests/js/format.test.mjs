import test from "node:test";
import assert from "node:assert/strict";

import { fmt, percent, topTwo, unitText } from "../../static/js/format.js";

test("three significant digits with a true minus sign", () => {
  assert.equal(fmt(0.012345), "0.0123");
  assert.equal(fmt(-1.2345), "−1.23");
  assert.equal(fmt(123.45), "123");
  assert.equal(fmt(0), "0");
  assert.equal(fmt(2e-7), "2.00e−7");
  assert.equal(fmt(NaN), "–");
});

test("percentages", () => {
  assert.equal(percent(0.9731), "97.3%");
  assert.equal(percent(0.99999), ">99.9%");
  assert.equal(percent(0.000001), "<0.1%");
  assert.equal(percent(0), "0.0%");
});

test("the two most likely classes, ties by index", () => {
  assert.deepEqual(topTwo([0.1, 0.6, 0.1, 0.2]), [{ index: 1, p: 0.6 }, { index: 3, p: 0.2 }]);
});

test("units in words", () => {
  assert.equal(unitText({ layer: "conv2", channel: 3, y: 4, x: 5 }), "map 3, row 4, column 5");
  assert.equal(unitText({ layer: "fc1", index: 17 }), "unit 17");
});
