// Which pixels mattered: the saliency map of the shown input, over the input, with its legend,
// a class picker, the method and the randomise switch (all in the page's address).

import { LazyRefresh } from "./lazy.js";
import { el } from "../dom.js";
import { cssColour } from "../colormap.js";
import { decodeTensor } from "../tensor.js";
import { clearCanvas, overlayRgba, putRgba } from "./paint.js";
import { inputTensor } from "./request.js";

export const METHODS = {
  gradient: {
    label: "Gradient",
    caption:
      "How much the class's score would change if each pixel were a little brighter. Orange: brighter raises it; blue: brighter lowers it. It only tells you about tiny changes, not what the network would do with the pixel gone.",
  },
  gradient_x_input: {
    label: "Gradient × input",
    caption:
      "The gradient multiplied by the pixel itself: where the ink that is there pushes the score up (orange) or down (blue). Black pixels always show zero, so it cannot point at missing ink.",
  },
  occlusion: {
    label: "Covering patches",
    caption:
      "Each small square is covered in turn; orange where covering it lowers the class's probability, blue where it raises it. It tests real changes but only square ones, and misses what matters only in combination.",
  },
  gradcam: {
    label: "Grad-CAM",
    caption:
      "The last convolution's maps, each weighted by how much the class's score depends on it, then enlarged. It shows roughly where, at the coarse resolution of that layer, never which exact pixels.",
  },
};

export class SaliencyView {
  constructor(container, store, api) {
    Object.assign(this, { container, store, api });
    this.controller = null;
    this.build();
    const lazy = new LazyRefresh(container, () => this.refresh());
    store.subscribe(["trace", "whyMethod", "whyClass", "whyRandom"], () => lazy.schedule());
    store.subscribe(["model"], () => this.fillClasses());
  }

  build() {
    const controls = el("div", "why-controls");
    this.method = el("select");
    this.method.id = "why-method";
    for (const [value, { label }] of Object.entries(METHODS)) this.method.append(new Option(label, value));
    this.method.addEventListener("change", () => this.store.set({ whyMethod: this.method.value }));
    this.cls = el("select");
    this.cls.id = "why-class";
    this.cls.addEventListener("change", () => this.store.set({ whyClass: this.cls.value === "" ? null : Number(this.cls.value) }));
    this.random = el("input");
    this.random.type = "checkbox";
    this.random.id = "why-random";
    this.random.addEventListener("change", () => this.store.set({ whyRandom: this.random.checked }));
    const label = (text, input) => {
      const l = el("label", "why-field", text + " ");
      l.append(input);
      return l;
    };
    controls.append(label("Method", this.method), label("Class", this.cls), label("Random weights (sanity check)", this.random));
    this.canvas = el("canvas", "why-picture");
    this.canvas.dataset.testid = "saliency-map";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "Which pixels mattered: drawn over the input once there is a picture");
    this.legend = el("div", "why-legend");
    this.caption = el("p", "why-caption");
    this.note = el("p", "why-note");
    this.container.append(controls, this.canvas, this.legend, this.caption, this.note);
    this.fillClasses();
  }

  fillClasses() {
    const names = this.store.state.model?.class_names ?? [];
    this.cls.replaceChildren(new Option("its answer", ""), ...names.map((n, i) => new Option(n, String(i))));
    this.cls.value = this.store.state.whyClass === null ? "" : String(this.store.state.whyClass);
  }

  async refresh() {
    const { trace, modelId, whyMethod, whyClass, whyRandom, model } = this.store.state;
    this.method.value = whyMethod;
    this.random.checked = whyRandom;
    this.cls.value = whyClass === null ? "" : String(whyClass);
    this.caption.textContent = METHODS[whyMethod]?.caption ?? "";
    const pixels = inputTensor(trace);
    if (!pixels) {
      // Cleared: the map of the picture that was shown goes too, and an answer on its way is dropped.
      this.controller?.abort();
      clearCanvas(this.canvas);
      delete this.canvas.dataset.method;
      delete this.canvas.dataset.class;
      this.canvas.setAttribute("aria-label", "Which pixels mattered: drawn over the input once there is a picture");
      this.legend.replaceChildren();
      this.note.textContent = "Draw or load a picture to see which pixels mattered.";
      return;
    }
    this.controller?.abort();
    this.controller = new AbortController();
    const json = { model: modelId, pixels, method: whyMethod, randomize: whyRandom };
    if (whyClass !== null && whyClass < (model?.class_names?.length ?? 10)) json.class = whyClass;
    try {
      const answer = await this.api.request("/saliency", { method: "POST", json, signal: this.controller.signal });
      this.draw(answer);
    } catch (err) {
      if (err?.name !== "AbortError") this.note.textContent = err.message;
    }
  }

  draw(answer) {
    const map = decodeTensor(answer.map);
    const input = decodeTensor(answer.input);
    const [c, h, w] = input.shape;
    const { rgba, scale } = overlayRgba(map.data, input.data, c, h, w);
    putRgba(this.canvas, rgba, h, w);
    const names = this.store.state.model?.class_names ?? [];
    const what = names[answer.class] ?? String(answer.class);
    this.canvas.dataset.method = answer.method;
    this.canvas.dataset.class = String(answer.class);
    this.canvas.setAttribute("aria-label", `${METHODS[answer.method].label} for “${what}” over the input`);
    const stops = [scale.lo, 0, scale.hi].map((v) => {
      const chip = el("span", "why-legend-stop", v === 0 ? "0" : v.toPrecision(2));
      chip.style.background = cssColour(v, scale);
      chip.style.color = v === 0 ? "#000" : "#fff";
      return chip;
    });
    this.legend.replaceChildren(el("span", null, "lowers the score"), ...stops, el("span", null, "raises it"));
    this.note.textContent = answer.randomize
      ? `Weights redrawn at random (seed ${answer.seed}): if the map still looks like the digit, the method shows the picture, not what the network learnt.`
      : `Explaining class “${what}”.`;
  }
}
