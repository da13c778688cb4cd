// The row of example inputs: a few digits and clothes from the test sets, one click (or
// Enter) each, so a first visit, a keyboard-only user and a teacher without a drawing pad
// start at once. The pictures are static/examples/examples.json, written by
// bench/make_examples.py from the committed test data.

import { el } from "./dom.js";

const EXAMPLES_URL = new URL("../examples/examples.json", import.meta.url);

/** Base64 text -> its bytes. */
export function bytesFromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** The trace of a prepared input (an example, or a shared link's) of the given C x H x W shape. */
export function predictPixels(api, model, bytes, signal, shape = [1, 28, 28]) {
  return api.predictPixels(model, bytes, signal, false, "full", shape); // the bytes up, the whole trace down
}

/** Are `bytes` a whole input of `model` (GET /api/models/{id}), C x H x W? */
export function fitsModel(bytes, model) {
  return Boolean(bytes && model) && bytes.length === model.input_shape.reduce((a, b) => a * b, 1);
}

/**
 * Fill `container` with one button per example of a served model. `load(model, bytes)`
 * shows one (switching the model when it is another's). Examples that cannot be fetched
 * leave the row empty: the page works without them.
 */
export async function addExamples(container, { modelIds, load }) {
  let examples = [];
  try {
    const response = await fetch(EXAMPLES_URL);
    if (response.ok) examples = (await response.json()).examples ?? [];
  } catch {
    return;
  }
  const buttons = [];
  for (const example of examples) {
    if (!modelIds.includes(example.model)) continue;
    const b = el("button", "chip example", example.name);
    b.type = "button";
    b.setAttribute("aria-label", `Example: ${example.name}`);
    b.dataset.model = example.model;
    b.dataset.label = String(example.label);
    const bytes = bytesFromBase64(example.pixels);
    b.addEventListener("click", () => load(example.model, bytes));
    buttons.push(b);
  }
  container.replaceChildren(el("span", "examples-label", "Examples:"), ...buttons);
  container.hidden = buttons.length === 0;
}
