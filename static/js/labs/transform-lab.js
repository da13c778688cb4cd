// Transform lab: sliders (arrow keys move them too) that shift, rotate, scale and thicken the
// input the network sees, re-traced live; beside each layer row how much it moved with the
// input (equivariance) or stayed put (invariance); and a chart of the answer over a sweep.

import { el } from "../dom.js";
import { IDENTITY } from "./lab-state.js";
import { SweepChart } from "./sweep-chart.js";

const SLIDERS = [
  { key: "dx", label: "Shift right", min: -8, max: 8, step: 0.5, unit: " px" },
  { key: "dy", label: "Shift down", min: -8, max: 8, step: 0.5, unit: " px" },
  { key: "rotate", label: "Rotate (counter-clockwise)", min: -60, max: 60, step: 1, unit: "°" },
  // 0.01 a step, as fine as a degree of rotation: a brisk drag changes the picture on every
  // move the pointer reports (0.05 gave 20 steps over the range, so at most 20 changes a second)
  { key: "scale", label: "Scale", min: 0.5, max: 1.5, step: 0.01, unit: "×" },
  { key: "thickness", label: "Stroke thickness", min: -2, max: 2, step: 1, unit: "" },
];
const SWEEP_DELAY_MS = 300;

export class TransformLab {
  constructor(panel, { store, api, base }) {
    this.store = store;
    this.api = api;
    this.base = base;
    this.open = false;
    panel.append(el("p", "lab-intro",
      "Move the picture and watch the maps. Convolution maps move with the input (the number beside a layer near 1 " +
      "means its maps moved exactly as the picture did); pooling and dense layers change less, which is how the " +
      "network's answer can stay the same."));
    this.inputs = {};
    const sliders = el("div", "lab-sliders");
    for (const s of SLIDERS) {
      const label = el("label", "lab-slider");
      const input = el("input");
      Object.assign(input, { type: "range", min: s.min, max: s.max, step: s.step });
      input.dataset.key = s.key;
      const out = el("output", "lab-value");
      input.addEventListener("input", () => {
        this.change(s.key, Number(input.value));
        this.sweepSoon(); // the chart waits until the slider rests
      });
      input.addEventListener("pointerdown", () => (this.dragging = true));
      label.append(el("span", null, s.label), input, out);
      this.inputs[s.key] = { input, out, unit: s.unit };
      sliders.append(label);
    }
    const reset = el("button", "chip", "Put it back");
    reset.type = "button";
    reset.addEventListener("click", () => store.set({ labTransform: IDENTITY }));
    panel.append(sliders, reset);
    panel.append(el("h3", null, "The answer over a sweep of each transform"));
    this.chart = new SweepChart(panel);
    this.timer = null;
    // The sweep is 70 traces: asked while a slider is dragged it would hold up the answers
    // the drag is waiting for, so it waits until the pointer lets go and the slider rests.
    this.dragging = false;
    const letGo = () => {
      if (!this.dragging) return;
      this.dragging = false;
      this.sweepSoon();
    };
    window.addEventListener("pointerup", letGo);
    window.addEventListener("pointercancel", letGo);
    store.subscribe(["labTransform"], () => this.showValues());
    store.subscribe(["equivariance", "trace"], () => this.showNumbers());
    store.subscribe(["trace", "labEdits"], () => this.sweepSoon());
    this.showValues();
  }

  change(key, value) {
    this.store.set({ labTransform: { ...this.store.state.labTransform, [key]: value } });
  }

  setOpen(open) {
    this.open = open;
    this.showNumbers();
    if (open) this.sweepSoon();
  }

  showValues() {
    const t = this.store.state.labTransform;
    // Only what changed is written: a slider dragged at 60 Hz should not re-lay the page out.
    for (const [key, { input, out, unit }] of Object.entries(this.inputs)) {
      if (Number(input.value) !== t[key]) input.value = String(t[key]);
      const text = `${t[key]}${unit}`;
      if (out.textContent !== text) out.textContent = text;
    }
  }

  /**
   * One number per layer row, in its header (removed when there is no transform). The badges
   * stay from answer to answer and only their text changes, so the rows keep their places.
   */
  showNumbers() {
    const numbers = this.open ? this.store.state.equivariance : null;
    const wanted = new Set((numbers ?? []).map((n) => n.layer));
    for (const old of document.querySelectorAll(".lab-number")) if (!wanted.has(old.dataset.layer)) old.remove();
    for (const { layer, value, compared } of numbers ?? []) {
      const head = document.querySelector(`section.layer[data-layer="${CSS.escape(layer)}"] .layer-head`);
      if (!head) continue;
      let badge = head.querySelector(".lab-number");
      if (!badge) {
        badge = el("span", "lab-number");
        badge.dataset.layer = layer;
        head.append(badge);
      }
      const words = compared === "shifted" ? "moved with the input" : "same as before";
      const text = value === null ? `${words}: —` : `${words}: ${value.toFixed(2)}`;
      if (badge.textContent !== text) badge.textContent = text;
      const shown = value === null ? "" : String(value);
      if (badge.dataset.value !== shown) badge.dataset.value = shown;
      const title = compared === "shifted"
        ? "Correlation between these maps and the untransformed maps shifted by the same amount (borders cropped)"
        : "Correlation between this layer's values with and without the transform";
      if (badge.title !== title) badge.title = title;
    }
  }

  sweepSoon() {
    if (!this.open) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.dragging ? this.sweepSoon() : this.sweep()), SWEEP_DELAY_MS);
  }

  async sweep() {
    const { model } = this.store.state;
    const bytes = this.base();
    if (!model || !bytes) return this.chart.update(null, "Draw or choose a digit to sweep it.");
    this.controller?.abort();
    this.controller = new AbortController();
    try {
      const json = await this.api.sweep(model.id, bytes, model.input_shape, this.store.state.labTransform, this.controller.signal);
      this.chart.update(json);
    } catch (err) {
      if (err?.name !== "AbortError") this.chart.update(null, err.message);
    }
  }
}
