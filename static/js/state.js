// The one owner of the page's state. Components read it and ask it for changes; they keep
// no copies. What a shared link must bring back (model, input, selected unit, open
// explanation, hidden layers, before/after views, large type) is declared once in PROPS and
// mirrored in the URL hash, so a view can be shared or bookmarked. No DOM here.

import { LAB_INITIAL, LAB_PROPS } from "./labs/lab-state.js";

export const INITIAL = {
  modelId: null,
  model: null, // GET /api/models/{id}
  weights: null, // {layerName: {w: {shape, data}, b: {shape, data}}}
  trace: null, // decoded trace (see trace.js)
  source: "drawing", // "drawing" | "upload"
  hover: null, // {layer, channel, y, x} | {layer, index} | null
  selection: null, // same form; follows clicks and the keyboard
  explainOpen: false,
  explanation: null, // decoded /api/explain answer for the selection
  hidden: [], // names of hidden layers
  views: {}, // layer name -> "output" | "weighted_input"
  large: false, // projector mode
  overview: false, // the whole network shrunk to fit the screen (layout.js)
  compareId: null, // compare mode: the second network's model id (static/js/compare/)
  whyMethod: "gradient", // saliency: gradient | gradient_x_input | occlusion | gradcam
  whyClass: null, // saliency: the class explained (null: the network's answer)
  whyRandom: false, // saliency with the weights redrawn at random (the sanity check)
  whyEps: 0.1, // adversary: the largest change per pixel, 0..0.5
  epoch: null, // the checkpoint timeline's position (train/timeline.js); null: the finished model
  status: { kind: "idle", text: "" }, // kind: idle | busy | error
  ...LAB_INITIAL, // the labs' settings (static/js/labs/lab-state.js)
};

export class Store {
  constructor(initial = INITIAL) {
    this.state = { ...initial };
    this.listeners = [];
  }

  /** Merge a patch; listeners whose keys changed are called once with the new state. */
  set(patch) {
    const changed = [];
    for (const [key, value] of Object.entries(patch)) {
      if (this.state[key] !== value) changed.push(key);
    }
    if (changed.length === 0) return;
    this.state = { ...this.state, ...patch };
    for (const { keys, fn } of [...this.listeners]) {
      if (keys === null || keys.some((k) => changed.includes(k))) fn(this.state, changed);
    }
  }

  /** Call fn(state, changedKeys) whenever one of keys changes (all keys when null). */
  subscribe(keys, fn) {
    const entry = { keys, fn };
    this.listeners.push(entry);
    return () => {
      this.listeners = this.listeners.filter((e) => e !== entry);
    };
  }

  toggleHidden(layer) {
    const hidden = this.state.hidden.includes(layer)
      ? this.state.hidden.filter((n) => n !== layer)
      : [...this.state.hidden, layer];
    this.set({ hidden });
  }

  setView(layer, view) {
    this.set({ views: { ...this.state.views, [layer]: view } });
  }
}

/** Same unit? Both null counts as the same. */
export function sameUnit(a, b) {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.layer === b.layer && a.channel === b.channel && a.y === b.y && a.x === b.x && a.index === b.index;
}

// ---- The address is the state ------------------------------------------------------------
// Every property a shared link carries, declared once: its name in the URL, the store key it
// restores (`key`), where its value is read when not that key (`get`, changing with `watch`),
// how it is written to text and read back, and its default (`fallback`, written nowhere: an
// address holds only what differs). A later view adds its setting as one row. `read`
// returns undefined for text it cannot use, which then counts as absent.

const list = {
  write: (names) => names.map(encodeURIComponent).join(","),
  read: (text) => text.split(",").filter(Boolean).map(decodeName).filter((n) => n !== null),
};
const flag = { write: (on) => (on ? "1" : ""), read: (text) => text === "1" };

export const PROPS = [
  // A checkpoint ("mnist@epoch5") is written as its model, the epoch in its own row below.
  { name: "model", key: "modelId", fallback: null, write: (id) => (id ?? "").replace(/@epoch\d+$/, ""), read: (text) => decodeName(text) || undefined },
  // The prepared input the answer is about (a drawing, a photo or an example), C x H x W bytes.
  {
    name: "in",
    key: "input", // not a store key: the page asks /api/predict with these pixels
    watch: "trace",
    get: (s) => s.inputBase ?? s.trace?.input?.bytes ?? null, // before a lab's transform
    fallback: null,
    write: (bytes) => (bytes ? encodeInput(bytes) : ""),
    read: (text) => decodeInput(text) ?? undefined,
  },
  { name: "unit", key: "selection", fallback: null, write: (u) => (u ? unitToText(u) : ""), read: (t) => unitFromText(t) ?? undefined },
  { name: "explain", key: "explainOpen", fallback: false, ...flag },
  { name: "hide", key: "hidden", fallback: [], ...list },
  {
    name: "pre",
    key: "views",
    fallback: {},
    write: (views) => list.write(Object.keys(views).filter((k) => views[k] === "weighted_input")),
    read: (text) => Object.fromEntries(list.read(text).map((n) => [n, "weighted_input"])),
  },
  { name: "large", key: "large", fallback: false, ...flag },
  { name: "overview", key: "overview", fallback: false, ...flag },
  { name: "compare", key: "compareId", fallback: null, write: (id) => id ?? "", read: (text) => decodeName(text) || undefined },
  ...LAB_PROPS, // each lab's settings: lab, tf, edits, klab
  {
    name: "why",
    key: "whyMethod",
    fallback: "gradient",
    write: (m) => (m === "gradient" ? "" : m),
    read: (t) => (["gradient", "gradient_x_input", "occlusion", "gradcam"].includes(t) ? t : undefined),
  },
  { name: "whyclass", key: "whyClass", fallback: null, write: (c) => (c === null ? "" : String(c)), read: (t) => (/^\d{1,3}$/.test(t) ? Number(t) : undefined) },
  { name: "random", key: "whyRandom", fallback: false, ...flag },
  {
    name: "eps",
    key: "whyEps",
    fallback: 0.1,
    write: (e) => (e === 0.1 ? "" : String(e)),
    read: (t) => (/^0(\.\d{1,2})?$/.test(t) && Number(t) <= 0.5 ? Number(t) : undefined),
  },
  { name: "epoch", key: "epoch", fallback: null, write: (e) => (e === null ? "" : String(e)), read: (t) => (/^\d{1,3}$/.test(t) ? Number(t) : undefined) },
];

function decodeName(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The state -> address text, e.g. "model=mnist&unit=conv2:3,4,6&explain=1&hide=pool1". */
export function toHash(state, props = PROPS) {
  const parts = [];
  for (const prop of props) {
    const value = prop.get ? prop.get(state) : state[prop.key];
    if (value === undefined) continue;
    const text = prop.write(value);
    if (text) parts.push(`${prop.name}=${text}`);
  }
  return parts.join("&");
}

/**
 * Address text -> {key: value} for every row, the defaults where the address says nothing
 * usable; unknown names and junk are ignored. Names are read as the page wrote them: the
 * value after the first "=" is kept whole.
 */
export function fromHash(hash, props = PROPS) {
  const found = new Map();
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  for (const part of text.split("&")) {
    const at = part.indexOf("=");
    if (at > 0) found.set(part.slice(0, at), part.slice(at + 1));
  }
  const out = {};
  for (const prop of props) {
    const value = found.has(prop.name) ? prop.read(found.get(prop.name)) : undefined;
    out[prop.key] = value === undefined ? prop.fallback : value;
  }
  return out;
}

/** A unit as address text: "conv2:3,4,6" (map, row, column) or "fc1:17" (index). */
export function unitToText(unit) {
  const where = unit.index !== undefined ? [unit.index] : [unit.channel, unit.y, unit.x];
  return `${encodeURIComponent(unit.layer)}:${where.join(",")}`;
}

/** "conv2:3,4,6" -> {layer, channel, y, x}; "fc1:17" -> {layer, index}; null for anything else. */
export function unitFromText(text) {
  const at = text.lastIndexOf(":");
  const layer = at > 0 ? decodeName(text.slice(0, at)) : null;
  const numbers = text.slice(at + 1).split(",");
  if (!layer || !numbers.every((n) => /^\d{1,6}$/.test(n))) return null;
  const [a, b, c] = numbers.map(Number);
  if (numbers.length === 1) return { layer, index: a };
  if (numbers.length === 3) return { layer, channel: a, y: b, x: c };
  return null;
}

// The input travels as base64url of its bytes with runs of zeros shortened (most of an
// MNIST-style picture is black): a zero byte is followed by how many zeros it stands for
// (1..255). A drawn digit takes some 300 characters instead of 1,048.

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Bytes (Uint8Array) -> address text. */
export function encodeInput(bytes) {
  const packed = [];
  for (let i = 0; i < bytes.length; ) {
    if (bytes[i] !== 0) {
      packed.push(bytes[i++]);
      continue;
    }
    let run = 0;
    while (i < bytes.length && bytes[i] === 0 && run < 255) {
      run++;
      i++;
    }
    packed.push(0, run);
  }
  let text = "";
  for (let i = 0; i < packed.length; i += 3) {
    const n = (packed[i] << 16) | ((packed[i + 1] ?? 0) << 8) | (packed[i + 2] ?? 0);
    const chars = [18, 12, 6, 0].map((s) => B64[(n >> s) & 63]);
    text += chars.slice(0, 1 + Math.min(3, packed.length - i)).join("");
  }
  return text;
}

// The largest input a link may carry: a colour picture of 256x256, more than any model served
// reads. What the model shown reads is checked once it is loaded (address.js).
export const MAX_INPUT_BYTES = 3 * 256 * 256;

/**
 * Address text -> the input bytes (C x H x W, as the trace gives them), or null when it is not
 * a whole input: `size` bytes when given, else any length up to MAX_INPUT_BYTES.
 */
export function decodeInput(text, size = null) {
  const most = size ?? MAX_INPUT_BYTES;
  if (text.length > 2 * most || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const packed = [];
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4);
    let n = 0;
    for (let j = 0; j < 4; j++) n = (n << 6) | (j < chunk.length ? B64.indexOf(chunk[j]) : 0);
    packed.push((n >> 16) & 255, (n >> 8) & 255, n & 255);
    packed.length -= 4 - chunk.length; // a chunk of k characters carries k - 1 bytes
  }
  const bytes = new Uint8Array(most);
  let at = 0;
  for (let i = 0; i < packed.length; i++) {
    if (packed[i] === 0) {
      const run = packed[++i]; // the zeros are already there
      if (!(run >= 1) || at + run > most) return null;
      at += run;
    } else {
      if (at >= most) return null;
      bytes[at++] = packed[i];
    }
  }
  if (at === 0 || (size !== null && at !== size)) return null;
  return size === null ? bytes.slice(0, at) : bytes;
}
