// The one owner of the page's state. Components read it and ask it for changes; they keep
// no copies. View settings (hidden layers, before/after-activation views, large type) are
// mirrored in the URL hash so a view can be shared or bookmarked. No DOM here.

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
  status: { kind: "idle", text: "" }, // kind: idle | busy | error
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

/** View settings -> URL hash text, e.g. "hide=conv1,pool1&pre=conv2&large=1". */
export function toHash(state) {
  const parts = [];
  if (state.hidden.length) parts.push(`hide=${state.hidden.map(encodeURIComponent).join(",")}`);
  const pre = Object.entries(state.views)
    .filter(([, v]) => v === "weighted_input")
    .map(([k]) => encodeURIComponent(k));
  if (pre.length) parts.push(`pre=${pre.join(",")}`);
  if (state.large) parts.push("large=1");
  if (state.overview) parts.push("overview=1");
  return parts.join("&");
}

/** URL hash text -> a patch of view settings; unknown keys and junk are ignored. */
export function fromHash(hash) {
  const patch = { hidden: [], views: {}, large: false, overview: false };
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  for (const part of text.split("&")) {
    const [key, value = ""] = part.split("=");
    const names = value
      .split(",")
      .filter(Boolean)
      .map((n) => {
        try {
          return decodeURIComponent(n);
        } catch {
          return null;
        }
      })
      .filter((n) => n !== null);
    if (key === "hide") patch.hidden = names;
    else if (key === "pre") for (const n of names) patch.views[n] = "weighted_input";
    else if (key === "large") patch.large = value === "1";
    else if (key === "overview") patch.overview = value === "1";
  }
  return patch;
}
