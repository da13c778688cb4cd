// The page's layout arithmetic, worked by hand: which unit a pointer names, how the network
// scale is searched, which side the explain panel opens on, how a strip is magnified.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cellAt } from "../../static/js/pointer.js";
import { chooseScale, largestFitting } from "../../static/js/layout.js";
import { chooseSide } from "../../static/js/panel-place.js";
import { squareGrid } from "../../static/js/magnifier.js";

const rect = { left: 100, top: 50, width: 84, height: 84 }; // a 28x28 map at 3 px a unit

test("a pointer names the cell it is in, fractions included", () => {
  assert.deepEqual(cellAt(100, 50, rect, 28, 28), { col: 0, row: 0 });
  assert.deepEqual(cellAt(129.9, 50, rect, 28, 28), { col: 9, row: 0 }); // 29.9 px in: cell 9
  assert.deepEqual(cellAt(130, 50, rect, 28, 28), { col: 10, row: 0 }); // on the line: the next cell
  assert.deepEqual(cellAt(130.4, 80.6, rect, 28, 28), { col: 10, row: 10 });
});

test("the far edge belongs to the last cell and outside is nothing", () => {
  assert.deepEqual(cellAt(184, 134, rect, 28, 28), { col: 27, row: 27 });
  assert.equal(cellAt(184.01, 60, rect, 28, 28), null);
  assert.equal(cellAt(99.5, 60, rect, 28, 28), null);
  assert.equal(cellAt(120, 49, rect, 28, 28), null);
});

test("the largest fitting scale is found within a hundredth", () => {
  const fits = (k) => 400 + 300 * k <= 880; // rows fit up to k = 1.6
  const k = largestFitting(fits, 1, 3);
  assert.ok(k <= 1.6 && k > 1.59, String(k));
  assert.equal(largestFitting(fits, 2, 3), null); // not even the smallest fits
  assert.equal(largestFitting(() => true, 1, 3), 3);
});

test("overview shrinks below the plain size; the default never does", () => {
  const fits = (k) => k <= 0.7;
  assert.ok(Math.abs(chooseScale(fits, { overview: true, base: 1, narrow: false }) - 0.7) < 0.01);
  assert.equal(chooseScale(fits, { overview: false, base: 1, narrow: false }), 1);
  assert.equal(chooseScale(() => true, { overview: false, base: 1, narrow: true }), 1); // a phone scrolls
  // Maps on one line are preferred; wrapped lines only when nothing else fits.
  const wrapped = (k, oneLine) => !oneLine && k <= 0.5;
  assert.ok(Math.abs(chooseScale(wrapped, { overview: true, base: 1, narrow: false }) - 0.5) < 0.01);
});

test("the panel opens away from the unit and its trace", () => {
  const width = 450;
  const view = 1366;
  // A unit on the left (x 300..303): a left panel (8..458) would cover it.
  assert.equal(chooseSide({ left: 300, right: 303 }, [], width, view), "right");
  // A unit on the right (x 1000..1003): the right panel (908..1358) covers it.
  assert.equal(chooseSide({ left: 1000, right: 1003 }, [], width, view), "left");
  // Free on both sides: the side covering less of its trace; a tie goes left.
  assert.equal(chooseSide({ left: 600, right: 603 }, [{ left: 400, right: 500 }], width, view), "right");
  assert.equal(chooseSide({ left: 600, right: 603 }, [], width, view), "left");
});

test("a strip is magnified as a near-square grid", () => {
  assert.deepEqual(squareGrid(400), { cols: 20, rows: 20 });
  assert.deepEqual(squareGrid(120), { cols: 11, rows: 11 });
  assert.deepEqual(squareGrid(84), { cols: 10, rows: 9 });
  assert.deepEqual(squareGrid(1), { cols: 1, rows: 1 });
});
