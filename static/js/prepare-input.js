// A drawing made ready for any model's input (C, H, W), as the server would make the same
// pad ready (app/preprocess.py, app/centre_crop.py). No DOM.
//
// A model whose pictures are drawings (preparation "ink": digits, clothes) gets the pad's grey
// levels prepared in 28x28 (prepare.js), then, for another input size, scaled to it (Lanczos)
// with the grey repeated in every channel (fit_to_input). A model trained on photos
// ("photo") gets the pad as a photo: the shorter side resized to the input, the middle cut
// out, colour kept (to_photo), with the same bicubic arithmetic as the server's library.

import { SIZE, prepare, roundEven, steps as inkSteps, toBytes } from "./prepare.js";
import { resize } from "./resample.js";
import { resizeBicubic } from "./resample8.js";

/** Grey of one RGB pixel, as the server's imaging library converts colour to grey (ITU-R 601-2). */
export const lumaByte = (r, g, b) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

/** RGBA bytes -> grey levels 0..1 (Float32Array), row by row. */
export function greyOf(rgba) {
  const grey = new Float32Array(rgba.length / 4);
  for (let i = 0; i < grey.length; i++) grey[i] = lumaByte(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]) / 255;
  return grey;
}

/**
 * 28x28 prepared bytes made the size of an input (C, H, W): scaled with Lanczos in float32,
 * rounded to bytes, the grey repeated in every channel. Returns Uint8Array(C*H*W) and the
 * one-channel picture scaled, for its step.
 */
export function fitToInput(bytes, [c, h, w]) {
  if (c === 1 && h === SIZE && w === SIZE) return { pixels: bytes, scaled: null };
  const levels = Float32Array.from(bytes, (v) => Math.fround(v / 255));
  const scaled = toBytes(resize({ data: levels, width: SIZE, height: SIZE }, w, h, "lanczos"));
  const pixels = new Uint8Array(c * h * w);
  for (let k = 0; k < c; k++) pixels.set(scaled.bytes, k * h * w);
  return { pixels, scaled };
}

/**
 * An RGBA picture (width x height) as a photo model's input (C, H, W): the shorter side (as
 * the input has it) resized to the input's, the middle cut out. Returns {pixels: Uint8Array
 * C*H*W, channel after channel, info (the server's keys), cropped: RGBA of the cut}.
 */
export function toPhoto(rgba, width, height, [c, h, w]) {
  const scale = Math.max(h / height, w / width);
  const size = [Math.max(w, roundEven(width * scale)), Math.max(h, roundEven(height * scale))];
  const left = Math.floor((size[0] - w) / 2);
  const top = Math.floor((size[1] - h) / 2);
  const box = [left / scale, top / scale, (left + w) / scale, (top + h) / scale];
  const same = width === w && height === h && box[0] === 0 && box[1] === 0 && box[2] === w && box[3] === h;
  const cropped = same ? { data: Uint8ClampedArray.from(rgba), width, height } : resizeBicubic({ data: rgba, width, height }, w, h, box);
  const pixels = new Uint8Array(c * h * w);
  const d = cropped.data;
  for (let i = 0; i < h * w; i++) {
    if (c === 1) pixels[i] = lumaByte(d[4 * i], d[4 * i + 1], d[4 * i + 2]);
    else for (let k = 0; k < 3; k++) pixels[k * h * w + i] = d[4 * i + k];
  }
  const info = {
    kind: "photo",
    original_size: [width, height],
    resized_size: size,
    crop: [left, top, left + w, top + h],
    scale: Number(scale.toFixed(5)),
  };
  return { pixels, info, cropped, channels: c };
}

/**
 * The pad's RGBA bytes prepared for `model` (GET /api/models/{id}: input_shape, preparation).
 * Returns {pixels, shape, info, steps()}: steps() gives the pictures of each stage as
 * {name, caption, width, height, bytes (grey) | rgba (colour)}. Throws NoInk (prepare.js)
 * for a drawing model and a blank pad, as the server answers 422.
 */
export function prepareDrawing(rgba, width, height, model) {
  const [c, h, w] = model.input_shape;
  // A 1x28x28 input travels as 28x28 rows, as it always has (the API takes both).
  const shape = c === 1 && h === SIZE && w === SIZE ? [SIZE, SIZE] : [c, h, w];
  if (model.preparation?.kind === "photo") {
    const photo = toPhoto(rgba, width, height, shape);
    const steps = () => [
      { name: "original", caption: `The drawing as it is (${width}x${height})`, width, height, rgba },
      { name: "cropped", caption: `Resized to ${w}x${h}${photo.info.resized_size[0] === w && photo.info.resized_size[1] === h ? "" : ", the middle cut out"}`, ...photo.cropped, rgba: photo.cropped.data },
    ];
    return { pixels: photo.pixels, shape, info: photo.info, steps };
  }
  const prepared = prepare(greyOf(rgba), width, height, model.preparation);
  const { pixels, scaled } = fitToInput(prepared.pixels, [c, h, w]);
  const steps = () => inkSteps(prepared).concat(scaled ? [{ name: "resized", caption: `Scaled to the network's ${w}x${h} input`, ...scaled }] : []);
  return { pixels, shape, info: prepared.info, steps };
}
