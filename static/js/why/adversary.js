// How fragile the answer is: a slider sets the largest change per pixel (0..0.5); the server
// finds a change within it that alters the answer. Shown: the original, the change (diverging
// colours, orange where a pixel was made brighter) and the result with its new probabilities.

import { LazyRefresh } from "./lazy.js";
import { el, setText } from "../dom.js";
import { decodeTensor } from "../tensor.js";
import { clearCanvas, pictureRgba, putRgba, signedRgba } from "./paint.js";
import { inputTensor } from "./request.js";

export class AdversaryView {
  constructor(container, store, api) {
    Object.assign(this, { container, store, api });
    this.controller = null;
    this.timer = null;
    this.slider = el("input");
    Object.assign(this.slider, { type: "range", min: "0", max: "0.5", step: "0.01", id: "why-epsilon" });
    const label = el("label", "why-field", "Largest change per pixel ");
    this.value = el("output", "why-eps-value");
    label.append(this.slider, this.value);
    this.slider.addEventListener("input", () => this.store.set({ whyEps: Number(this.slider.value) }));
    const figure = (name) => {
      const f = el("figure", "why-figure");
      const canvas = el("canvas", "why-picture");
      f.append(canvas, el("figcaption", null, name));
      return [f, canvas];
    };
    const [f0, c0] = figure("original");
    // Which way each colour of the change goes is said under it: nothing else on the card says so.
    const [f1, c1] = figure("the change: orange brighter, blue darker");
    const [f2, c2] = figure("what the network sees");
    Object.assign(this, { original: c0, change: c1, result: c2 });
    this.answer = el("p", "why-adv-answer");
    this.answer.dataset.testid = "adversary-answer";
    this.probs = el("ol", "why-probs");
    const row = el("div", "why-figures");
    row.append(f0, f1, f2);
    this.container.append(label, row, this.answer, this.probs,
      el("p", "why-caption", "To a person the picture usually still shows the same thing: the network reads it differently. That is what an adversarial example is."));
    this.lazy = new LazyRefresh(container, () => this.refresh());
    store.subscribe(["trace", "whyEps"], () => this.schedule());
  }

  schedule() {
    if (this.slider.value !== String(this.store.state.whyEps)) this.slider.value = String(this.store.state.whyEps);
    setText(this.value, this.store.state.whyEps.toFixed(2)); // (called on every answer: unchanged, not rewritten)
    this.lazy.schedule(); // one request when the slider rests, and only while the card is seen
  }

  async refresh() {
    const { trace, modelId, whyEps, model } = this.store.state;
    const pixels = inputTensor(trace);
    if (!pixels) {
      // Cleared: nothing of the picture that was shown stays, nor an answer on its way.
      this.controller?.abort();
      for (const canvas of [this.original, this.change, this.result]) clearCanvas(canvas);
      delete this.answer.dataset.label;
      delete this.answer.dataset.success;
      this.answer.textContent = "Draw or load a picture to see how little change fools the network.";
      this.probs.replaceChildren();
      return;
    }
    this.controller?.abort();
    this.controller = new AbortController();
    try {
      const json = { model: modelId, pixels, epsilon: whyEps };
      const answer = await this.api.request("/adversary", { method: "POST", json, signal: this.controller.signal });
      const names = model?.class_names ?? [];
      const [c, h, w] = trace.input.shape;
      putRgba(this.original, pictureRgba(trace.input.bytes, c, h, w), h, w);
      const change = decodeTensor(answer.perturbation).data;
      const summed = new Float32Array(h * w);
      for (let i = 0; i < change.length; i++) summed[i % (h * w)] += change[i];
      putRgba(this.change, signedRgba(summed, h, w).rgba, h, w);
      const changed = decodeTensor(answer.pixels).data;
      const bytes = Uint8Array.from(changed, (v) => Math.round(v * 255));
      putRgba(this.result, pictureRgba(bytes, c, h, w), h, w);
      const said = names[answer.label] ?? String(answer.label);
      this.answer.dataset.label = String(answer.label);
      this.answer.dataset.success = String(answer.success);
      this.answer.textContent = answer.success
        ? `Changed: it now says ${said} (it said ${names[answer.original_label] ?? answer.original_label}).`
        : `Still ${said}: no change within ${whyEps.toFixed(2)} per pixel fooled it.`;
      const top = answer.probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      this.probs.replaceChildren(...top.map(([p, i]) => el("li", null, `${names[i] ?? i}: ${(p * 100).toFixed(1)}%`)));
    } catch (err) {
      if (err?.name !== "AbortError") this.answer.textContent = err.message;
    }
  }
}
