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

/**
 * v rounded to the nearest float16 (ties to even), as the trace sends its maps. Probabilities
 * reach the page twice: exact in the answer, as float16 in the output layer's bars; rounding
 * both the same way first makes one number show one text wherever it appears.
 */
export function toHalf(v) {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const exponent = Math.max(-14, Math.floor(Math.log2(a))); // below 2^-14 the steps stay 2^-24
  const step = 2 ** (exponent - 10); // 10 fraction bits
  const n = a / step;
  let whole = Math.floor(n);
  if (n - whole > 0.5 || (n - whole === 0.5 && whole % 2 === 1)) whole++;
  return Math.sign(v) * Math.min(whole * step, 65504);
}

/**
 * A probability as a percentage with one decimal, after toHalf: 0.9731 -> "97.3%". Nothing
 * is called certain or impossible: what would read "100.0%" reads ">99.9%", what would read
 * "0.0%" reads "<0.1%" (a softmax is never exactly 1 or 0; float rounding only says so).
 */
export function percent(p) {
  if (!Number.isFinite(p)) return "–";
  const text = (toHalf(p) * 100).toFixed(1);
  if (Number(text) >= 100) return ">99.9%";
  if (Number(text) <= 0) return "<0.1%";
  return `${text}%`;
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
