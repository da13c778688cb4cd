// Receptive fields from the architecture the API serves (GET /api/models/{id}); no DOM.
//
// Each layer says how its units read the layer below (`reads`, declared by its kind on the
// server); no kind is named here. A window (kernel K, stride S, padding P, dilation D) maps
// output rows y0..y1 to input rows y0*S - P .. y1*S - P + D*(K - 1), clipped to the input at
// every step (padding holds no pixels), over every channel below or only its own; "same"
// reads the unit under it; "channel" its own whole map; "flatten" index i is unit
// (i // (H*W), (i // W) % H, i % W) of the map below; "all" reads everything. A layer
// without a `reads`, or with a type not listed here, is an error, never a guess.

export const INPUT = "input";

/** Layer names, input first, and the shape of each: [{name, kind, shape}]. */
export function layerTable(model) {
  const rows = [{ name: INPUT, kind: "input", shape: [...model.input_shape], spec: null }];
  for (const spec of model.layers) rows.push({ name: spec.name, kind: spec.kind, shape: [...spec.output_shape], spec });
  return rows;
}

function windowBack(lo, hi, reads, size) {
  const reach = (reads.dilation ?? 1) * (reads.kernel - 1);
  return [Math.max(0, lo * reads.stride - reads.padding), Math.min(size - 1, hi * reads.stride - reads.padding + reach)];
}

/** A unit's box [c0, c1, y0, y1, x0, x1] in a layer -> its box in the layer below (shape `below`). */
export function regionBelow(spec, box, below) {
  const reads = spec.reads;
  if (!reads) throw new Error(`layer ${spec.name} (kind ${spec.kind}) does not say how it reads the layer below`);
  let [c0, c1, y0, y1, x0, x1] = box;
  const whole = below.length === 3 ? [0, below[1] - 1, 0, below[2] - 1] : [0, 0, 0, 0];
  switch (reads.type) {
    case "window":
      [y0, y1] = windowBack(y0, y1, reads, below[1]);
      [x0, x1] = windowBack(x0, x1, reads, below[2]);
      if (reads.channels === "all") [c0, c1] = [0, below[0] - 1];
      return [c0, c1, y0, y1, x0, x1];
    case "same":
      return [c0, c1, y0, y1, x0, x1];
    case "channel":
      return [c0, c1, ...whole];
    case "flatten": {
      if (below.length === 1) return [c0, c1, y0, y1, x0, x1];
      const [, h, w] = below;
      if (c0 === c1) {
        const [c, y, x] = [Math.floor(c0 / (h * w)), Math.floor(c0 / w) % h, c0 % w];
        return [c, c, y, y, x, x];
      }
      return [Math.floor(c0 / (h * w)), Math.floor(c1 / (h * w)), ...whole];
    }
    case "all":
      return [0, below[0] - 1, ...whole];
    default:
      throw new Error(`layer ${spec.name} (kind ${spec.kind}) reads the layer below in an unknown way: ${reads.type}`);
  }
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
  let box = shape.length === 3 ? [channel, channel, y, y, x, x] : [channel, channel, 0, 0, 0, 0];
  const regions = [];
  for (let j = i; j > 0; j--) {
    box = regionBelow(table[j].spec, box, table[j - 1].shape);
    const [c0, c1, y0, y1, x0, x1] = box;
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
