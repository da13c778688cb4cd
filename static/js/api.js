// Talking to the cnnvis API. Every failure becomes an ApiError whose message is a sentence
// for the status line: the server's `detail` when it sent one, plain words otherwise.

export class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => d?.msg ?? "").filter(Boolean).join("; ");
  return "";
}

/** Bytes -> base64 (btoa wants one character per byte). */
export function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

export class Api {
  constructor(root = "/api") {
    this.root = root;
    // The labs' fields for a request (edits, transform); set by static/js/labs/labs.js.
    this.extra = () => ({});
    this.lastPixels = null; // the last prepared input sent, before any lab transform
  }

  async request(path, { method = "GET", json, form, signal } = {}) {
    const init = { method, headers: { Accept: "application/json" }, signal };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (form) {
      init.body = form;
    }
    let response;
    try {
      response = await fetch(`${this.root}${path}`, init);
    } catch (err) {
      if (err?.name === "AbortError") throw err; // the page moved on; not worth a message
      throw new ApiError("The server did not answer. Check that it is still running, then try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const text = detailText(body?.detail) || `The server could not do that (error ${response.status}).`;
      throw new ApiError(text, response.status);
    }
    if (body === null) throw new ApiError("The server sent an answer the page cannot read.", response.status);
    return body;
  }

  model(id) {
    return this.request(`/models/${encodeURIComponent(id)}`);
  }

  weights(id) {
    return this.request(`/models/${encodeURIComponent(id)}/weights`);
  }

  /** steps: false leaves the preprocessing pictures out (asked for while a stroke is drawn). */
  predictImage(model, image, signal, steps = true) {
    return this.request("/predict", { method: "POST", json: { model, image, steps, ...this.extra(false) }, signal });
  }

  /**
   * A drawing the page prepared itself: the input's bytes (28x28 unless `shape` says
   * otherwise, e.g. [3, 32, 32]) as a uint8 Tensor. `detail: "compact"` asks only for what
   * the page cannot derive (derive.js makes the trace whole).
   */
  predictPixels(model, bytes, signal, steps = true, detail = "compact", shape = [28, 28]) {
    const pixels = { shape, dtype: "uint8", data: toBase64(bytes) };
    const extra = this.extra(false);
    this.lastPixels = bytes;
    // With edits the page would derive conv1 from unedited weights; a transform is fine (the
    // answer carries the transformed input, which the page derives conv1 from).
    if (extra.edits) detail = "full";
    // `steps` tells what the page shows (its own pictures at a stroke's end); the server has none for pixels.
    return this.request("/predict", { method: "POST", json: { model, pixels, detail, steps, ...extra }, signal });
  }

  upload(model, file, signal) {
    const form = new FormData();
    form.append("file", file, file.name || "image");
    form.append("model", model);
    return this.request("/predict/upload", { method: "POST", form, signal });
  }

  explain(model, pixels, unit, signal) {
    const where = unit.index !== undefined ? { index: unit.index } : { channel: unit.channel, y: unit.y, x: unit.x };
    return this.request("/explain", { method: "POST", json: { model, pixels, layer: unit.layer, ...where, ...this.extra(true) }, signal });
  }

  /** The Kernel lab: one kernel over a picture (body as docs/api.md describes /api/convolve). */
  convolve(body, signal) {
    return this.request("/convolve", { method: "POST", json: body, signal });
  }

  /** The Transform lab's chart: 70 transforms of one prepared input, as one batch. */
  sweep(model, bytes, shape, transform, signal) {
    const pixels = { shape, dtype: "uint8", data: toBase64(bytes) };
    const { edits } = this.extra(true);
    return this.request("/sweep", { method: "POST", json: { model, pixels, transform, ...(edits ? { edits } : {}) }, signal });
  }
}
