// Receptive fields from the architecture the API serves (GET /api/models/{id}); no DOM.
//
// A conv or pool unit at output rows y0..y1 reads input rows y0*S - P .. y1*S - P + K - 1,
// clipped to the input at every step (padding holds no pixels). A conv unit reads every
// channel below it, a pool unit only its own; flatten index i is unit
// (i // (H*W), (i // W) % H, i % W) of the map below; dense and softmax read everything.

export const INPUT = "input";
const WINDOWED = new Set(["conv", "maxpool", "avgpool"]);

/** Layer names, input first, and the shape of each: [{name, kind, shape}]. */
export function layerTable(model) {
  const rows = [{ name: INPUT, kind: "input", shape: [...model.input_shape], spec: null }];
  for (const spec of model.layers) rows.push({ name: spec.name, kind: spec.kind, shape: [...spec.output_shape], spec });
  return rows;
}

function windowBack(lo, hi, kernel, stride, pad, size) {
  return [Math.max(0, lo * stride - pad), Math.min(size - 1, hi * stride - pad + kernel - 1)];
}

/**
 * What unit (channel, y, x) of `layer` sees in every layer below it, nearest first, ending
 * at the input: [{layer, c0, c1, y0, x0, y1, x1}], all inclusive. For a vector layer pass
 * the unit index as channel; its regions have y0 = y1 = x0 = x1 = 0.
 */
export function receptiveField(model, layer, channel, y = 0, x = 0) {
  const table = layerTable(model);
  const i = table.findIndex((row) => row.name === layer);
  if (i < 0) throw new Error(`no layer ${layer}`);
  const shape = table[i].shape;
  const inside = shape.length === 3 ? y >= 0 && y < shape[1] && x >= 0 && x < shape[2] : true;
  if (!(channel >= 0 && channel < shape[0]) || !inside) {
    throw new RangeError(`unit (${channel}, ${y}, ${x}) is outside ${layer} of shape [${shape}]`);
  }
  let [c0, c1, y0, y1, x0, x1] = [channel, channel, y, y, x, x];
  const regions = [];
  for (let j = i; j > 0; j--) {
    const spec = table[j].spec;
    const below = table[j - 1].shape;
    if (WINDOWED.has(spec.kind)) {
      const pad = spec.kind === "conv" ? spec.padding : 0;
      [y0, y1] = windowBack(y0, y1, spec.kernel, spec.stride, pad, below[1]);
      [x0, x1] = windowBack(x0, x1, spec.kernel, spec.stride, pad, below[2]);
      if (spec.kind === "conv") [c0, c1] = [0, below[0] - 1];
    } else if (spec.kind === "flatten") {
      const [, h, w] = below;
      if (c0 === c1) {
        const idx = c0;
        [c0, y0, x0] = [Math.floor(idx / (h * w)), Math.floor(idx / w) % h, idx % w];
        [c1, y1, x1] = [c0, y0, x0];
      } else {
        [c0, c1] = [Math.floor(c0 / (h * w)), Math.floor(c1 / (h * w))];
        [y0, y1, x0, x1] = [0, h - 1, 0, w - 1];
      }
    } else {
      [c0, c1] = [0, below[0] - 1];
      if (below.length === 3) [y0, y1, x0, x1] = [0, below[1] - 1, 0, below[2] - 1];
      else [y0, y1, x0, x1] = [0, 0, 0, 0];
    }
    regions.push({ layer: table[j - 1].name, c0, c1, y0, x0, y1, x1 });
  }
  return regions;
}

/** Flat index of unit (c, y, x) in a (C, H, W) map, or the index itself for a vector. */
export function flatIndex(shape, channel, y = 0, x = 0) {
  return shape.length === 3 ? (channel * shape[1] + y) * shape[2] + x : channel;
}

/**
 * The `k` inputs of dense unit `unit` with the largest |weight x activation|.
 * weights: Float32Array of shape (D_in, D_out); inputs: Float32Array (D_in,).
 * Returns [{index, input, weight, product}] sorted by |product|, largest first.
 */
export function strongestInputs(weights, dOut, inputs, unit, k = 8) {
  const n = inputs.length;
  const all = [];
  for (let i = 0; i < n; i++) {
    const weight = weights[i * dOut + unit];
    all.push({ index: i, input: inputs[i], weight, product: weight * inputs[i] });
  }
  all.sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.index - b.index);
  return all.slice(0, Math.min(k, n));
}
