// Number and text formatting for labels and the explain panel. No DOM.

/** A number with three significant digits, no exponent for everyday sizes: 0.0123, 1.23, 123. */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let text;
  if (a >= 1e5 || a < 1e-4) text = v.toExponential(digits - 1);
  else text = Number(v.toPrecision(digits)).toString();
  return text.replaceAll("-", "−");
}

/** A probability as a percentage: 0.9731 -> "97.3%". */
export function percent(p) {
  if (!Number.isFinite(p)) return "–";
  const v = p * 100;
  if (v >= 99.95 && v < 100) return ">99.9%";
  if (v > 0 && v < 0.1) return "<0.1%";
  return `${v.toFixed(1)}%`;
}

/** "6 × 28 × 28" for a shape. */
export function shapeText(shape) {
  return shape.join(" × ");
}

/** Plain words for a unit: "map 3, row 4, column 5" or "unit 17". Counting starts at 0, as the API does. */
export function unitText(unit) {
  if (unit.index !== undefined) return `unit ${unit.index}`;
  return `map ${unit.channel}, row ${unit.y}, column ${unit.x}`;
}

/** The two most likely classes: [{index, p}, {index, p}]. */
export function topTwo(probabilities) {
  const order = probabilities.map((p, index) => ({ index, p })).sort((a, b) => b.p - a.p || a.index - b.index);
  return order.slice(0, 2);
}
