// The address bar as the page's state (the rows are declared in state.js, PROPS): read at
// start and whenever the hash changes, written shortly after any of its properties change,
// so a teacher can send a link that opens exactly this view.

import { fitsModel } from "./examples.js";
import { PROPS, fromHash, toHash } from "./state.js";

// Writing the address costs the browser a same-document navigation (the history entry, and
// the page's icon fetched and parsed again): 5-20 ms of the page's main thread per write in a
// trace of a slider drag, more than an answer's whole frame budget. What changes in a stream
// (answers, a lab's slider, kernel or edits) is written once the stream has rested for
// REST_MS, or every FLOWING_MS while it keeps flowing, the newest state each time, and at
// once when the person lets go (pointer up, key up); anything else a person changed is
// written at once.
const REST_MS = 300;
const FLOWING_MS = 2000;
const STREAMING = new Set(["trace", "labTransform", "kernelLab", "labEdits"]);

/** Does `unit` exist in `model` (GET /api/models/{id})? The input counts as a map of the model's input shape. */
export function unitExists(unit, model) {
  if (!unit || !model) return false;
  const shape = unit.layer === "input" ? model.input_shape : model.layers?.find((l) => l.name === unit.layer)?.output_shape;
  if (!shape) return false;
  const inside = (v, n) => Number.isInteger(v) && v >= 0 && v < n;
  if (unit.index !== undefined) return shape.length === 1 && inside(unit.index, shape[0]);
  return shape.length === 3 && inside(unit.channel, shape[0]) && inside(unit.y, shape[1]) && inside(unit.x, shape[2]);
}

/** The address's values, its model replaced by `fallback` when the page does not serve it. */
export function readAddress(hash, modelIds, fallback) {
  const values = fromHash(hash);
  if (!modelIds.includes(values.modelId)) values.modelId = fallback;
  return values;
}

/**
 * Wire the address to the store. `switchTo(id)` loads a model unless it is the one shown
 * (resolves once its layers are built); `askPixels(bytes, source)` asks for the answer to an
 * input of the model shown. Resolves once the view in the address at start is in place (its answer may
 * still be on its way).
 */
export async function wireAddress(store, { modelIds, fallbackModel, switchTo, askPixels }) {
  const keys = [...new Set(PROPS.map((p) => p.watch ?? p.key))];
  let timer = null; // a streamed change waiting for the stream to rest
  let waitingSince = null; // when the oldest change not yet written was made
  const write = () => {
    clearTimeout(timer);
    timer = null;
    waitingSince = null;
    const hash = toHash(store.state);
    if (hash === location.hash.slice(1)) return; // an answer for the settings already written
    history.replaceState(history.state, "", hash ? `#${hash}` : location.pathname + location.search);
  };
  const writeSoon = () => {
    const now = performance.now();
    waitingSince ??= now;
    clearTimeout(timer); // the newest state is read when it fires
    const wait = Math.min(REST_MS, waitingSince + FLOWING_MS - now);
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  };
  const letGo = () => timer !== null && write();
  window.addEventListener("pointerup", letGo);
  window.addEventListener("keyup", letGo);

  const apply = async (hash) => {
    const { modelId, input, selection, explainOpen, ...settings } = readAddress(hash, modelIds, fallbackModel);
    store.set(settings); // hidden layers, before/after views, large type and the like
    await switchTo(modelId);
    if (fitsModel(input, store.state.model)) askPixels(input, "shared"); // a link made for this model's input
    const unit = unitExists(selection, store.state.model) ? selection : null;
    store.set({ selection: unit, explainOpen: Boolean(unit && explainOpen) });
  };

  // Listening before the address is applied: a change made while the model loads (a layer
  // hidden as soon as the rows appear) is written too.
  // Only the address's own keys decide: an answer also sets its status and the like, which
  // must not turn a streamed answer into one written at once.
  const streamed = (changed) => changed.filter((k) => keys.includes(k)).every((k) => STREAMING.has(k));
  store.subscribe(keys, (_, changed) => (streamed(changed) ? writeSoon() : write()));
  await apply(location.hash);
  // Someone edited the address or followed a link to another view of this page.
  window.addEventListener("hashchange", () => {
    if (location.hash.slice(1) !== toHash(store.state)) apply(location.hash);
  });
}
