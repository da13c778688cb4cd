// A compact trace (POST /api/predict with "detail": "compact") made whole on the page: the
// server sends the weighted inputs of conv and dense layers (float16; the logits float32)
// and the input; everything else follows from them and from the model's layer list, and
// the first conv layer from the input and its weights. The
// result is the same decoded trace object decodeTrace makes of a full trace, so nothing
// that draws a trace needs to know which one came. No DOM.

import { pairwiseSum } from "./prepare.js";
import { decodeTensor, extent, toUnit } from "./tensor.js";

const f32 = Math.fround;

const ACTIVATIONS = {
  relu: (v) => (v > 0 ? v : 0),
  leaky_relu: (v) => (v > 0 ? v : f32(v * f32(0.01))),
  tanh: (v) => f32(Math.tanh(v)),
  sigmoid: (v) => f32(1 / (1 + Math.exp(-v))),
};

function activate(z, name) {
  if (name === null || name === undefined) return z;
  const fn = ACTIVATIONS[name];
  if (!fn) throw new Error(`unknown activation ${name}`);
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = fn(z[i]);
  return out;
}

/**
 * The weighted input of a conv layer, z = w * x + b, from its input x (C, H, W) and weights
 * w (F, C, K, K), b (F,): each sum in double precision, stored as float32.
 */
export function conv(x, [c, h, w], weights, bias, [f, kh, kw], stride, padding) {
  const ho = 1 + Math.floor((h + 2 * padding - kh) / stride);
  const wo = 1 + Math.floor((w + 2 * padding - kw) / stride);
  const out = new Float32Array(f * ho * wo);
  for (let o = 0, n = 0; o < f; o++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++, n++) {
        let sum = 0;
        for (let ch = 0; ch < c; ch++) {
          for (let ky = 0; ky < kh; ky++) {
            const y = i * stride - padding + ky;
            if (y < 0 || y >= h) continue; // zero padding adds nothing
            for (let kx = 0; kx < kw; kx++) {
              const xx = j * stride - padding + kx;
              if (xx >= 0 && xx < w) sum += x[(ch * h + y) * w + xx] * weights[((o * c + ch) * kh + ky) * kw + kx];
            }
          }
        }
        out[n] = sum + bias[o];
      }
    }
  }
  return out;
}

function weightedInput(json, spec, below, weights) {
  if (json.from_weights?.includes(spec.name)) {
    const layer = weights?.[spec.name];
    if (!layer) throw new Error(`the weights of ${spec.name} are needed to work it out`);
    const [f, , kh, kw] = layer.w.shape;
    return conv(below, spec.input_shape, layer.w.data, layer.b.data, [f, kh, kw], spec.stride, spec.padding);
  }
  const tensor = json.weighted_inputs[spec.name];
  if (!tensor) throw new Error(`the compact trace has no weighted input for ${spec.name}`);
  return decodeTensor(tensor).data;
}

/** Max pool of a (C, H, W) map: outputs and each window's winner ky*K + kx (first of equals). */
export function maxPool(x, [c, h, w], kernel, stride) {
  const ho = 1 + Math.floor((h - kernel) / stride);
  const wo = 1 + Math.floor((w - kernel) / stride);
  const out = new Float32Array(c * ho * wo);
  const argmax = new Uint8Array(c * ho * wo);
  for (let ch = 0, o = 0; ch < c; ch++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++, o++) {
        let best = -Infinity;
        let win = 0;
        for (let ky = 0; ky < kernel; ky++) {
          for (let kx = 0; kx < kernel; kx++) {
            const v = x[(ch * h + i * stride + ky) * w + j * stride + kx];
            if (v > best) {
              best = v;
              win = ky * kernel + kx;
            }
          }
        }
        out[o] = best;
        argmax[o] = win;
      }
    }
  }
  return { out, argmax };
}

/** Average pool of a (C, H, W) map, summed in float32. */
export function avgPool(x, [c, h, w], kernel, stride) {
  const ho = 1 + Math.floor((h - kernel) / stride);
  const wo = 1 + Math.floor((w - kernel) / stride);
  const out = new Float32Array(c * ho * wo);
  const n = kernel * kernel;
  for (let ch = 0, o = 0; ch < c; ch++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++, o++) {
        let sum = 0;
        for (let ky = 0; ky < kernel; ky++) {
          for (let kx = 0; kx < kernel; kx++) sum = f32(sum + x[(ch * h + i * stride + ky) * w + j * stride + kx]);
        }
        out[o] = f32(sum / n);
      }
    }
  }
  return out;
}

/**
 * Softmax of float32 logits in float32, as the server computes it (the largest logit
 * subtracted, exp, the sum added pairwise): the same numbers, so an answer the server's
 * float32 rounds to exactly 100% reads 100% here too.
 */
export function softmax(logits) {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const exps = Float32Array.from(logits, (v) => Math.exp(f32(v - max)));
  const total = pairwiseSum(exps);
  return Array.from(exps, (e) => f32(e / total));
}

function mapLayer(spec, output, extra = {}) {
  return { name: spec.name, kind: spec.kind, shape: spec.output_shape, output, range: extent(output), weighted: null, weightedRange: null, argmax: null, ...extra };
}

/**
 * A compact trace plus the model (GET /api/models/{id}: its layers and class names) and, for
 * the layers it names in `from_weights`, the decoded weights (trace.js decodeWeights) -> the
 * decoded trace object of trace.js's decodeTrace. A compact trace is of pixels, so the server
 * sends no `preprocessing`; a page that prepared the drawing itself puts its own there.
 */
export function expandCompact(json, model, weights = null) {
  if (model?.id !== json.model) throw new Error(`a compact trace of ${json.model} needs that model's layers`);
  const input = decodeTensor(json.input);
  const layers = new Map();
  let below = toUnit(input.data);
  let probabilities = null;
  for (const spec of model.layers) {
    let layer;
    if (spec.kind === "conv" || spec.kind === "dense") {
      const weighted = weightedInput(json, spec, below, weights);
      layer = mapLayer(spec, activate(weighted, spec.activation), { weighted, weightedRange: extent(weighted) });
    } else if (spec.kind === "maxpool") {
      const { out, argmax } = maxPool(below, spec.input_shape, spec.kernel, spec.stride);
      for (const [index, winner] of json.argmax_exceptions?.[spec.name] ?? []) argmax[index] = winner;
      layer = mapLayer(spec, out, { argmax });
    } else if (spec.kind === "avgpool") {
      layer = mapLayer(spec, avgPool(below, spec.input_shape, spec.kernel, spec.stride));
    } else if (spec.kind === "flatten") {
      layer = mapLayer(spec, below); // the map below read in C order: the very same numbers
    } else if (spec.kind === "softmax") {
      probabilities = softmax(below);
      layer = mapLayer(spec, Float32Array.from(probabilities));
    } else {
      throw new Error(`unknown layer kind ${spec.kind}`);
    }
    layers.set(spec.name, layer);
    below = layer.output;
  }
  probabilities ??= Array.from(below);
  let label = 0;
  probabilities.forEach((p, i) => {
    if (p > probabilities[label]) label = i;
  });
  return {
    model: json.model,
    label,
    className: model.class_names?.[label] ?? String(label),
    probabilities,
    input: { name: "input", kind: "input", shape: input.shape, output: toUnit(input.data), bytes: input.data, range: [0, 1] },
    raw: json.input,
    layers,
    order: model.layers.map((l) => l.name),
    preprocessing: json.preprocessing ? { ...json.preprocessing, steps: json.preprocessing.steps || [] } : null,
    timing: json.timing_us || null,
  };
}
