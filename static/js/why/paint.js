// Pictures for the "why" views, as pure functions of arrays (no DOM): grey pictures, signed
// maps in the diverging colour map blended over the input, and the receptive-field crop.

import { TABLES, colourIndex, scaleFor } from "../colormap.js";
import { lumaByte } from "../prepare-input.js";

/** The largest |value|: the symmetric scale of a signed map (never 0). */
export function maxAbs(values) {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m || 1e-6;
}

/** RGBA of a picture given as 0..255 bytes of channels (C, H, W): grey for one channel, colour for three. */
export function pictureRgba(bytes, c, h, w) {
  const rgba = new Uint8ClampedArray(4 * h * w);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = bytes[(c === 3 ? k : 0) * h * w + i];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/** RGBA of a (C, H, W) byte picture in grey: a colour picture's luma, as the server's imaging library makes it. */
export function greyRgba(bytes, c, h, w) {
  const rgba = pictureRgba(bytes, c, h, w);
  if (c !== 3) return rgba;
  for (let i = 0; i < h * w; i++) rgba.fill(lumaByte(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]), 4 * i, 4 * i + 3);
  return rgba;
}

/**
 * RGBA of a signed (H, W) map on the diverging map (zero white), blended over the picture with
 * weight `alpha` (0: picture only, 1: map only). Returns {rgba, scale}. The picture is shown in
 * grey: a photo's own oranges and blues would otherwise read as the map's.
 */
export function overlayRgba(map, pictureBytes, c, h, w, alpha = 0.7) {
  const scale = scaleFor(-maxAbs(map), maxAbs(map), "diverging");
  const base = greyRgba(pictureBytes, c, h, w);
  const table = TABLES.diverging;
  for (let i = 0; i < h * w; i++) {
    const t = 3 * colourIndex(map[i], scale);
    for (let k = 0; k < 3; k++) base[4 * i + k] = Math.round((1 - alpha) * base[4 * i + k] + alpha * table[t + k]);
  }
  return { rgba: base, scale };
}

/** RGBA of a signed (H, W) map alone on the diverging map, symmetric about zero. */
export function signedRgba(map, h, w) {
  const scale = scaleFor(-maxAbs(map), maxAbs(map), "diverging");
  const rgba = new Uint8ClampedArray(4 * h * w);
  for (let i = 0; i < h * w; i++) {
    const t = 3 * colourIndex(map[i], scale);
    rgba.set([TABLES.diverging[t], TABLES.diverging[t + 1], TABLES.diverging[t + 2], 255], 4 * i);
  }
  return { rgba, scale };
}

/** The rows y0..y1 and columns x0..x1 (inclusive, clipped to the picture) of a (C, H, W) byte picture. */
export function cropBytes(bytes, c, h, w, [y0, x0, y1, x1]) {
  const top = Math.max(0, y0), left = Math.max(0, x0);
  const bottom = Math.min(h - 1, y1), right = Math.min(w - 1, x1);
  const ch = bottom - top + 1, cw = right - left + 1;
  const out = new Uint8Array(c * ch * cw);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) out[(k * ch + y) * cw + x] = bytes[(k * h + top + y) * w + left + x];
    }
  }
  return { bytes: out, h: ch, w: cw };
}

/** Wipe a canvas (its black background shows): nothing is drawn for a picture no longer shown. */
export function clearCanvas(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

/** Put RGBA pixels into a canvas at native size (CSS scales it up, smoothing off). */
export function putRgba(canvas, rgba, h, w) {
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
}

/** Whether the server ships a test set for this model (GET /api/models/{id}: its data set and
 * input shape), so its confusion matrix, gallery and exemplars can be asked for. */
export function hasTestSet(model) {
  const shape = model?.input_shape?.join("x");
  return (model?.dataset === "mnist" || model?.dataset === "fashion-mnist") && shape === "1x28x28";
}
export const NO_TEST_SET = "This model has no test set on the server, so there are no test pictures to show here.";

/**
 * Whether the server keeps exemplars for `layerName` (app/why/exemplars.py, exemplar_layers):
 * a layer of maps, or one with weights, up to the logits (a final softmax only rescales them).
 * Any other layer (flatten, the softmax) is not asked for: the answer would be a 422.
 */
export function hasExemplars(model, layerName) {
  const layers = model?.layers ?? [];
  const i = layers.findIndex((l) => l.name === layerName);
  if (i < 0) return false;
  const layer = layers[i];
  if (i === layers.length - 1 && layer.kind === "softmax") return false;
  return layer.output_shape.length === 3 || Boolean(layer.weighted);
}
