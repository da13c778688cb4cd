// Colour maps, no DOM. Signed values use a blue-white-orange diverging map with zero at
// white; non-negative values a dark-indigo-to-yellow sequential map whose lightness rises
// steadily. Blue against orange and a monotonic lightness ramp both stay readable for the
// common kinds of colour blindness and in greyscale print.

// Control points [position 0..1, r, g, b], interpolated linearly into 256-entry tables.
const DIVERGING_STOPS = [
  [0.0, 20, 58, 118],
  [0.2, 58, 110, 180],
  [0.4, 170, 200, 230],
  [0.5, 246, 246, 246],
  [0.6, 250, 205, 160],
  [0.8, 226, 124, 40],
  [1.0, 140, 54, 8],
];

const SEQUENTIAL_STOPS = [
  [0.0, 30, 12, 70],
  [0.25, 55, 85, 140],
  [0.5, 35, 140, 138],
  [0.75, 110, 200, 95],
  [1.0, 250, 228, 60],
];

const GREY_STOPS = [
  [0.0, 0, 0, 0],
  [1.0, 255, 255, 255],
];

/** A 256-entry RGB table (Uint8ClampedArray of 768) from sorted control points. */
export function buildTable(stops, n = 256) {
  const table = new Uint8ClampedArray(n * 3);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    while (s < stops.length - 2 && t > stops[s + 1][0]) s++;
    const [t0, r0, g0, b0] = stops[s];
    const [t1, r1, g1, b1] = stops[s + 1];
    const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
    table[3 * i] = Math.round(r0 + f * (r1 - r0));
    table[3 * i + 1] = Math.round(g0 + f * (g1 - g0));
    table[3 * i + 2] = Math.round(b0 + f * (b1 - b0));
  }
  return table;
}

export const TABLES = {
  diverging: buildTable(DIVERGING_STOPS),
  sequential: buildTable(SEQUENTIAL_STOPS),
  grey: buildTable(GREY_STOPS),
};

/**
 * The scale for values in [min, max]: diverging and symmetric about zero when any value is
 * negative, otherwise sequential from 0. `kind` forces one ("grey" for images).
 * Returns {kind, lo, hi}; a flat range gets a tiny span so nothing divides by zero.
 */
export function scaleFor(min, max, kind = null) {
  const chosen = kind ?? (min < 0 ? "diverging" : "sequential");
  if (chosen === "diverging") {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1e-6;
    return { kind: chosen, lo: -m, hi: m };
  }
  const lo = chosen === "grey" ? Math.min(0, min) : 0;
  return { kind: chosen, lo, hi: max > lo ? max : lo + 1e-6 };
}

/** Table index 0..255 of value v on scale; values outside the range are clamped. */
export function colourIndex(v, scale) {
  const t = (v - scale.lo) / (scale.hi - scale.lo);
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

/** [r, g, b] of value v on scale. */
export function colourOf(v, scale) {
  const table = TABLES[scale.kind];
  const i = 3 * colourIndex(v, scale);
  return [table[i], table[i + 1], table[i + 2]];
}

/** CSS colour text of value v on scale. */
export function cssColour(v, scale) {
  const [r, g, b] = colourOf(v, scale);
  return `rgb(${r}, ${g}, ${b})`;
}

/** WCAG 2 relative luminance of an sRGB colour (0..255 channels): 0 for black, 1 for white. */
export function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Black or white, whichever contrasts more with the colour of v (for numbers on cells). Pure
 * black and white: one of them reaches at least 4.58:1 on any colour, WCAG's 4.5:1 for text.
 */
export function inkFor(v, scale) {
  const l = luminance(colourOf(v, scale));
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

/**
 * Paint `count` values of data starting at `offset` into RGBA pixels (Uint8ClampedArray of
 * 4*count), as ImageData wants them.
 */
export function paintValues(data, offset, count, scale, rgba) {
  const table = TABLES[scale.kind];
  const lo = scale.lo;
  const k = 255 / (scale.hi - scale.lo);
  for (let i = 0; i < count; i++) {
    let t = (data[offset + i] - lo) * k;
    t = t > 0 ? (t < 255 ? Math.round(t) : 255) : 0;
    const j = 4 * i;
    rgba[j] = table[3 * t];
    rgba[j + 1] = table[3 * t + 1];
    rgba[j + 2] = table[3 * t + 2];
    rgba[j + 3] = 255;
  }
  return rgba;
}
