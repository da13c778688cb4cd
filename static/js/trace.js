// Turning API answers (trace, weights, explanation) into typed arrays once. No DOM.

import { expandCompact } from "./derive.js";
import { decodeTensor, extent, toUnit } from "./tensor.js";

function isTensor(value) {
  return value !== null && typeof value === "object" && typeof value.data === "string" && Array.isArray(value.shape);
}

/**
 * A Trace from POST /api/predict -> {model, label, className, probabilities, input,
 * layers: Map(name -> layer), order: [names], preprocessing, timing}. Each layer:
 * {name, kind, shape, output, weighted, argmax, range: [min, max], weightedRange}; maps are
 * Float32Arrays in C order, the input a Float32Array of 0..1 values (byte / 255).
 * A compact trace needs `model` (GET /api/models/{id}) and the decoded `weights` to derive the rest from.
 */
export function decodeTrace(json, model = null, weights = null) {
  if (json.detail === "compact") return expandCompact(json, model, weights); // derives what was left out
  const input = decodeTensor(json.input);
  const layers = new Map();
  for (const raw of json.layers) {
    // A flatten layer arrives as `same_as` the map below it: the same numbers in C order.
    const output = raw.same_as ? layers.get(raw.same_as).output : decodeTensor(raw.output).data;
    const layer = {
      name: raw.name,
      kind: raw.kind,
      shape: raw.shape,
      output,
      range: [raw.min ?? extent(output)[0], raw.max ?? extent(output)[1]],
      weighted: null,
      weightedRange: null,
      argmax: raw.argmax ? decodeTensor(raw.argmax).data : null,
    };
    if (raw.weighted_input) {
      layer.weighted = decodeTensor(raw.weighted_input).data;
      const [lo, hi] = extent(layer.weighted);
      layer.weightedRange = [raw.weighted_min ?? lo, raw.weighted_max ?? hi];
    }
    layers.set(raw.name, layer);
  }
  // Preprocessing steps arrive as small PNG data URLs (width, height, image); kept as they are.
  const preprocessing = json.preprocessing ? { ...json.preprocessing, steps: json.preprocessing.steps || [] } : null;
  return {
    model: json.model,
    label: json.label,
    className: json.class_name,
    probabilities: json.probabilities,
    input: { name: "input", kind: "input", shape: input.shape, output: toUnit(input.data), bytes: input.data, range: [0, 1] },
    raw: json.input,
    layers,
    order: json.layers.map((l) => l.name),
    preprocessing,
    timing: json.timing_us || null,
  };
}

/** The network's input as the nested list /api/explain wants: H x W rows, or C x H x W for colour. */
export function pixelsOf(trace) {
  const [c, h, w] = trace.input.shape;
  const channels = [];
  for (let ch = 0; ch < c; ch++) {
    const rows = [];
    for (let y = 0; y < h; y++) rows.push(Array.from(trace.input.output.subarray((ch * h + y) * w, (ch * h + y + 1) * w)));
    channels.push(rows);
  }
  return c === 1 ? channels[0] : channels;
}

/**
 * One pixel of the input, {channel, y, x}, as the network read it: the byte the trace sent
 * (0..255) and the value byte / 255. Null when the unit is outside the image.
 */
export function inputPixel(trace, { channel = 0, y, x }) {
  const [c, h, w] = trace.input.shape;
  if (!(channel >= 0 && channel < c && y >= 0 && y < h && x >= 0 && x < w)) return null;
  const byte = trace.input.bytes[(channel * h + y) * w + x];
  return { channel, y, x, byte, value: byte / 255 };
}

/** GET /api/models/{id}/weights -> {layerName: {w, b, ...}}: every parameter of a layer decoded. */
export function decodeWeights(json) {
  const out = {};
  for (const layer of json.layers) {
    out[layer.name] = {};
    for (const [key, value] of Object.entries(layer)) if (isTensor(value)) out[layer.name][key] = decodeTensor(value);
  }
  return out;
}

/** Any API answer with tensors inside (an Explanation): every tensor field decoded in place of the original. */
export function decodeTensors(json) {
  const out = {};
  for (const [key, value] of Object.entries(json)) out[key] = isTensor(value) ? decodeTensor(value) : value;
  return out;
}
