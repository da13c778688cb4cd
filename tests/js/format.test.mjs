import test from "node:test";
import assert from "node:assert/strict";

import { fmt, percent, toHalf, topTwo, unitText } from "../../static/js/format.js";

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
  assert.equal(percent(0), "<0.1%");
  assert.equal(percent(1), ">99.9%");
  assert.equal(percent(0.5), "50.0%");
});

test("float16 rounding, worked by hand", () => {
  assert.equal(toHalf(1 / 3), 0.333251953125); // 0x3555
  assert.equal(toHalf(0.1), 0.0999755859375); // 0x2E66
  assert.equal(toHalf(0.99996), 1);
  assert.equal(toHalf(2 ** -24), 2 ** -24); // the smallest subnormal
  assert.equal(toHalf(1e-9), 0);
  assert.equal(toHalf(1 + 2 ** -11), 1); // a tie goes to the even neighbour
  assert.equal(toHalf(1 + 3 * 2 ** -11), 1 + 2 ** -9);
  assert.equal(toHalf(0.75), 0.75);
});

test("a probability and its float16 copy read the same (the answer and its bar)", () => {
  // The cases seen: the answer said ">99.9%" and "<0.1%" where the bars said "100.0%" and "0.0%".
  assert.equal(percent(0.99996), percent(toHalf(0.99996)));
  assert.equal(percent(3e-9), percent(toHalf(3e-9)));
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20000; i++) {
    const p = Math.fround(rand() ** (1 + 8 * rand()));
    assert.equal(percent(p), percent(toHalf(p)), `${p}`);
  }
  for (const p of [0.9995, 0.99951, 0.9994, 0.0005, 0.00049, 0.00051]) assert.equal(percent(p), percent(toHalf(p)), `${p}`);
});

test("the two most likely classes, ties by index", () => {
  assert.deepEqual(topTwo([0.1, 0.6, 0.1, 0.2]), [{ index: 1, p: 0.6 }, { index: 3, p: 0.2 }]);
});

test("units in words", () => {
  assert.equal(unitText({ layer: "conv2", channel: 3, y: 4, x: 5 }), "map 3, row 4, column 5");
  assert.equal(unitText({ layer: "fc1", index: 17 }), "unit 17");
});
