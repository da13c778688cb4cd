// Preparing a drawing on the page, as the server prepares a picture (app/preprocess.py,
// to_mnist), so a live update sends 784 bytes instead of the whole pad as a PNG. No DOM.
//
// The steps, each as the server does them: reduce a large image to the analysis side (box
// filter); find the background from the border (flip dark ink on light); stretch the
// contrast and drop faint pixels; crop to the ink; scale the crop to fit the model's box
// (Lanczos); place it in 28x28 by its centre of mass (digits) or its box (clothes); round
// to bytes. Where the server's arithmetic is float32, so is this (Math.fround), and sums
// are added in the order the server adds them, so that halfway cases round the same way.

import { resize } from "./resample.js";

export const SIZE = 28;
export const CENTRE = 14;
export const ANALYSIS_SIDE = 320;
export const PREVIEW_SIDE = 40;
export const MIN_CONTRAST = 0.15;
export const INK_FLOOR = 0.2;

const f32 = Math.fround;

/** No ink on the pad: the server answers the same with a 422. */
export class NoInk extends Error {
  constructor() {
    super("No ink found: the image is blank. Draw something, or upload a photo of it.");
    this.name = "NoInk";
    this.status = 422;
  }
}

/** Round half to even, as Python's round() and numpy's round do. */
export function roundEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The sum of float32 values, added as numpy adds a contiguous run (pairwise, in float32). */
export function pairwiseSum(a, start = 0, n = a.length - start) {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s = f32(s + a[start + i]);
    return s;
  }
  if (n <= 128) {
    const r = [];
    for (let j = 0; j < 8; j++) r.push(a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j] + a[start + i + j]);
    let s = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
    for (; i < n; i++) s = f32(s + a[start + i]);
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return f32(pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half));
}

function median(values) {
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : f32(f32(sorted[mid - 1] + sorted[mid]) / 2);
}

function border(data, w, h) {
  const out = [];
  for (let x = 0; x < w; x++) out.push(data[x]);
  for (let x = 0; x < w; x++) out.push(data[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) out.push(data[y * w]);
  for (let y = 0; y < h; y++) out.push(data[y * w + w - 1]);
  return out;
}

/** Shrink so the longer side is at most `side` (box filter); returns the image and the factor. */
export function reduce(image, side) {
  const { width: w, height: h } = image;
  const factor = Math.min(1, side / Math.max(h, w));
  if (factor === 1) return { image, factor };
  const outW = Math.max(1, roundEven(w * factor));
  const outH = Math.max(1, roundEven(h * factor));
  return { image: resize(image, outW, outH, "box"), factor };
}

function crop({ data, width }, x0, y0, x1, y1) {
  const w = x1 - x0;
  const out = new Float32Array(w * (y1 - y0));
  for (let y = y0; y < y1; y++) out.set(data.subarray(y * width + x0, y * width + x1), (y - y0) * w);
  return { data: out, width: w, height: y1 - y0 };
}

/** Where the fitted image goes in 28x28: its centre of mass, or the middle of its box. */
function centreOf({ data, width: w, height: h }, centre) {
  if (centre !== "mass") return [(h - 1) / 2, (w - 1) / 2];
  const mass = pairwiseSum(data);
  const rowSums = [];
  for (let y = 0; y < h; y++) rowSums.push(pairwiseSum(data, y * w, w) * y); // float32 sums, float64 products
  const cy = pairwiseSumDouble(rowSums) / mass;
  const colSums = [];
  for (let x = 0; x < w; x++) {
    // numpy adds axis 0 one row after another, unless a column is all there is (then pairwise).
    let s = 0;
    if (w === 1) s = pairwiseSum(data);
    else for (let y = 0; y < h; y++) s = f32(s + data[y * w + x]);
    colSums.push(s * x);
  }
  return [cy, pairwiseSumDouble(colSums) / mass];
}

/** numpy's pairwise order for a float64 run (the weighted sums of the centre of mass). */
function pairwiseSumDouble(a) {
  const n = a.length;
  if (n < 8) return a.reduce((s, v) => s + v, 0);
  const r = a.slice(0, 8);
  let i = 8;
  for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[i + j];
  let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
  for (; i < n; i++) s += a[i];
  return s;
}

/** Contrast stretched to 0..1 with faint pixels dropped, and the ink's box [x0, y0, x1, y1) or null. */
function stretch(data, w, h, background, range) {
  const ink = new Float32Array(w * h);
  const floor = f32(INK_FLOOR - 1e-5); // a hair under the floor, as the server has it
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      let v = f32(f32(data[i] - background) / range);
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      if (v < floor) continue;
      ink[i] = v;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return { ink, bounds: x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1] };
}

/**
 * Prepare grey levels (Float32Array of 0..1, row by row, width x height) for a model whose
 * preparation is {box, centre}. Returns {pixels: Uint8Array(784), info, ink, crop, fitted}
 * (images as {data, width, height}); info has the keys a server trace's `preprocessing` has.
 * Throws NoInk for a blank image.
 */
export function prepare(grey, width, height, { box = 20, centre = "mass" } = {}) {
  const { image, factor } = reduce({ data: new Float32Array(grey), width, height }, ANALYSIS_SIDE);
  const { width: w, height: h } = image;
  let data = image.data;
  let edge = border(data, w, h);
  const light = median(edge) > 0.5;
  if (light) {
    data = data.map((v) => f32(1 - v));
    edge = edge.map((v) => f32(1 - v));
  }
  const background = median(edge);
  let peak = -Infinity;
  for (let i = 0; i < data.length; i++) if (data[i] > peak) peak = data[i];
  if (peak - background < MIN_CONTRAST) throw new NoInk();
  const { ink, bounds } = stretch(data, w, h, f32(background), f32(peak - background));
  if (bounds === null) throw new NoInk();
  const [x0, y0, x1, y1] = bounds;
  const inkImage = { data: ink, width: w, height: h };
  const cropped = crop(inkImage, x0, y0, x1, y1);

  const scale = box / Math.max(cropped.width, cropped.height);
  const fitW = Math.max(1, roundEven(cropped.width * scale));
  const fitH = Math.max(1, roundEven(cropped.height * scale));
  const fitted = resize(cropped, fitW, fitH, "lanczos");
  for (let i = 0; i < fitted.data.length; i++) fitted.data[i] = Math.min(1, Math.max(0, fitted.data[i]));

  const [cy, cx] = centreOf(fitted, centre);
  // A centre of mass goes on 14 (MNIST's mean); a box's middle on 13.5, so its margins are equal.
  const target = centre === "mass" ? CENTRE : (SIZE - 1) / 2;
  const top = Math.min(Math.max(roundEven(target - cy), 0), SIZE - fitH);
  const left = Math.min(Math.max(roundEven(target - cx), 0), SIZE - fitW);
  const pixels = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < fitH; y++) {
    for (let x = 0; x < fitW; x++) pixels[(top + y) * SIZE + left + x] = roundEven(f32(fitted.data[y * fitW + x] * 255));
  }
  const info = {
    inverted: light,
    background: light ? "light" : "dark",
    original_size: [width, height],
    bbox: [roundEven(x0 / factor), roundEven(y0 / factor), Math.min(width, roundEven(x1 / factor)), Math.min(height, roundEven(y1 / factor))],
    box,
    centre,
    scale: Number((scale * factor).toFixed(5)),
    shift: [top - (SIZE - fitH) / 2, left - (SIZE - fitW) / 2],
  };
  return { pixels, info, ink: inkImage, crop: cropped, fitted };
}

/** 0..1 floats -> bytes, rounded as the server rounds them. */
export function toBytes({ data, width, height }) {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = roundEven(f32(Math.min(1, Math.max(0, data[i])) * 255));
  return { bytes, width, height };
}

/**
 * The pictures of each step with the server's names and captions, as {name, caption,
 * width, height, bytes} (grey bytes, row by row); a view turns them into images.
 */
export function steps({ pixels, info, ink, crop: cropped, fitted }) {
  const preview = (image) => toBytes(reduce(image, PREVIEW_SIDE).image);
  const centredOn = info.centre === "mass" ? "its centre of mass" : "the middle of its bounding box";
  const step = (name, caption, picture) => ({ name, caption, ...picture });
  return [
    step("grayscale", "Grey levels" + (info.inverted ? ", inverted to white ink on black" : ""), preview(ink)),
    step("cropped", "Cropped to the ink's bounding box", preview(cropped)),
    step("fitted", `Scaled to fit a ${info.box}x${info.box} box (${fitted.width}x${fitted.height})`, toBytes(fitted)),
    step("centred", `Placed in 28x28, centred on ${centredOn}`, { bytes: pixels, width: SIZE, height: SIZE }),
  ];
}
