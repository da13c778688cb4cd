// What the "why" views send: the shown input as a uint8 Tensor, and a cache of test pictures.

import { decodeTensor } from "../tensor.js";

/** The input of the shown trace as the API's uint8 Tensor (C, H, W), or null when nothing is shown. */
export function inputTensor(trace) {
  return trace?.raw ?? null;
}

/** Test pictures by (model, index), fetched once each: {label, shape, bytes}. */
export class Samples {
  constructor(api) {
    this.api = api;
    this.cache = new Map();
  }

  get(model, index) {
    const key = `${model}/${index}`;
    if (!this.cache.has(key)) {
      const job = this.api.request(`/models/${encodeURIComponent(model)}/samples/${index}`).then((json) => {
        const t = decodeTensor(json.pixels);
        return { index, label: json.label, shape: t.shape, bytes: t.data };
      });
      job.catch(() => this.cache.delete(key)); // a failure is not remembered
      this.cache.set(key, job);
    }
    return this.cache.get(key);
  }
}
