// Where a unit of one network sits in another, for tracing a hover in both. No DOM.
//
// Two networks look at the same cells up to a layer when they read inputs of the same height
// and width and every layer up to that one reads the layer below the same way (same kind,
// same `reads`: window kernel, stride, padding, dilation, which channels). Weights,
// activations and channel counts do not move a receptive field, so a ReLU network and its
// tanh twin, or epoch 1 and the last epoch, trace alike. Layers are paired by position: the
// n-th layer of one against the n-th of the other, whatever they are called.

import { layerTable } from "../receptive.js";

const READ_KEYS = ["type", "kernel", "stride", "padding", "dilation", "channels"];

/** "maxpool (kernel 2, stride 2)" and the like: how a layer reads the one below, in words. */
export function readsText(spec) {
  const reads = spec.reads ?? {};
  if (reads.type !== "window") return spec.kind;
  const parts = [`kernel ${reads.kernel}`, `stride ${reads.stride}`, `padding ${reads.padding}`];
  if ((reads.dilation ?? 1) !== 1) parts.push(`dilation ${reads.dilation}`);
  return `${spec.kind} (${parts.join(", ")})`;
}

function sameReads(a, b) {
  if (a.kind !== b.kind) return false;
  const ra = a.reads ?? {};
  const rb = b.reads ?? {};
  return READ_KEYS.every((k) => (ra[k] ?? null) === (rb[k] ?? null));
}

/**
 * Do `from` and `to` (GET /api/models/{id}) look at the same cells up to layer `name` of
 * `from`? Returns {ok: true, name: the paired layer's name in `to`} or {ok: false, reason},
 * the reason a sentence a student can read.
 */
export function pairLayer(from, to, name) {
  const a = layerTable(from);
  const b = layerTable(to);
  const [, ha, wa] = a[0].shape;
  const [, hb, wb] = b[0].shape;
  if (ha !== hb || wa !== wb) {
    return { ok: false, reason: `The networks read pictures of different sizes (${ha}×${wa} and ${hb}×${wb}), so their units look at different pixels.` };
  }
  const i = a.findIndex((row) => row.name === name);
  if (i < 0) return { ok: false, reason: `There is no layer ${name}.` };
  if (i === 0) return { ok: true, name: b[0].name };
  if (i >= b.length) return { ok: false, reason: `The other network has only ${b.length - 1} layers; it has nothing in place of ${name}.` };
  for (let j = 1; j <= i; j++) {
    if (!sameReads(a[j].spec, b[j].spec)) {
      const upTo = j === i ? "" : `, below ${name}`;
      return {
        ok: false,
        reason:
          `The networks differ at layer ${j}${upTo}: ${a[j].name} is ${readsText(a[j].spec)} on one side and ` +
          `${b[j].name} is ${readsText(b[j].spec)} on the other, so the same unit looks at different cells.`,
      };
    }
  }
  return { ok: true, name: b[i].name };
}

/**
 * A unit of `from` ({layer, channel, y, x} or {layer, index}) as the unit at the same place
 * in `to`: {unit} when there is one, {unit: null, reason} when not.
 */
export function pairUnit(unit, from, to) {
  const pair = pairLayer(from, to, unit.layer);
  if (!pair.ok) return { unit: null, reason: pair.reason };
  const shape = layerTable(to).find((row) => row.name === pair.name).shape;
  if (unit.index !== undefined) {
    if (shape.length !== 1 || unit.index >= shape[0]) {
      return { unit: null, reason: `${pair.name} on the other side has no unit ${unit.index}.` };
    }
    return { unit: { layer: pair.name, index: unit.index } };
  }
  if (shape.length !== 3 || unit.y >= shape[1] || unit.x >= shape[2]) {
    return { unit: null, reason: `${pair.name} on the other side has no row ${unit.y}, column ${unit.x}.` };
  }
  if (unit.channel >= shape[0]) {
    return { unit: null, reason: `${pair.name} on the other side has ${shape[0]} maps, so there is no map ${unit.channel} to mark there.` };
  }
  return { unit: { layer: pair.name, channel: unit.channel, y: unit.y, x: unit.x } };
}
