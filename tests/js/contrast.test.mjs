import test from "node:test";
import assert from "node:assert/strict";

import { colourOf, inkFor, scaleFor } from "../../static/js/colormap.js";

// WCAG 2's contrast ratio, written out here from its definition, apart from the page's code.
function channel(c) {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
}
function relativeLuminance(hex) {
  const n = hex.length === 4 ? [1, 2, 3].map((i) => parseInt(hex[i] + hex[i], 16)) : [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return rgbLuminance(n);
}
function rgbLuminance([r, g, b]) {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}
function contrast(a, b) {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}

test("numbers on explain cells reach 4.5:1 on every colour of every scale", () => {
  for (const scale of [scaleFor(-1, 1), scaleFor(0, 1), scaleFor(0, 1, "grey")]) {
    for (let i = 0; i <= 255; i++) {
      const v = scale.lo + ((scale.hi - scale.lo) * i) / 255;
      const cell = rgbLuminance(colourOf(v, scale));
      const ratio = contrast(cell, relativeLuminance(inkFor(v, scale)));
      assert.ok(ratio >= 4.5, `${scale.kind} step ${i}: ${ratio.toFixed(2)}:1`);
    }
  }
});

test("dark cells get white numbers, light cells black ones", () => {
  const grey = scaleFor(0, 1, "grey");
  assert.equal(inkFor(0, grey), "#fff");
  assert.equal(inkFor(1, grey), "#000");
});
