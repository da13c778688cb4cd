// One row of the network view: title, shape, legend, before/after switch, show/hide, caption,
// and the body that draws the units (maps, strip or bars). Owns its DOM; update() paints.

import { MapGrid } from "./maps.js";
import { Strip } from "./strip.js";
import { OutputBars } from "./bars.js";
import { captionFor, titleFor } from "./captions.js";
import { TABLES, scaleFor } from "./colormap.js";
import { el, setAttr, setText } from "./dom.js";
import { fmt, shapeText } from "./format.js";

// A colour ramp as a CSS gradient, not a canvas: a canvas is a composited layer of its own,
// and the row's text after it (the legend's numbers, rewritten on every answer) would be
// moved into a layer that is repainted whole each time.
function rampOf(kind) {
  const table = TABLES[kind];
  const stops = [];
  for (let i = 0; i <= 16; i++) {
    const k = 3 * Math.min(255, i * 16);
    stops.push(`rgb(${table[k]}, ${table[k + 1]}, ${table[k + 2]}) ${((i * 100) / 16).toFixed(2)}%`);
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

class Legend {
  constructor(parent) {
    this.el = el("span", "legend");
    this.el.setAttribute("role", "img"); // so its aria-label (the scale in words) is read out
    this.lo = el("span", "legend-lo");
    this.ramp = el("span", "legend-ramp");
    this.hi = el("span", "legend-hi");
    this.el.append(this.lo, this.ramp, this.hi);
    parent.append(this.el);
    this.clear();
    this.kind = null;
  }

  /** Nothing shown yet: no empty box without numbers (its room is kept, so nothing moves). */
  clear() {
    this.el.style.visibility = "hidden";
  }

  update(scale, what) {
    this.el.style.visibility = "";
    if (scale.kind !== this.kind) {
      this.ramp.style.backgroundImage = rampOf(scale.kind);
      this.kind = scale.kind;
    }
    // Written only where they changed: a live answer often leaves a layer's range as it was.
    setText(this.lo, fmt(scale.lo));
    setText(this.hi, fmt(scale.hi));
    const middle = scale.kind === "diverging" ? ", zero is white" : "";
    setAttr(this.el, "aria-label", `Colour scale of ${what}: from ${fmt(scale.lo)} to ${fmt(scale.hi)}${middle}`);
    setAttr(this.el, "title", `${what}: ${fmt(scale.lo)} to ${fmt(scale.hi)}${middle}`);
  }
}

export class LayerRow {
  /**
   * info: LayerInfo from the API (null for the input); callbacks: {onToggle(name), onView(name, view)};
   * idPrefix: before the element ids, for a second network on the page.
   */
  constructor(parent, { name, kind, shape, info, classNames, isLastDense, callbacks, idPrefix = "" }) {
    this.name = name;
    this.kind = kind;
    this.info = info;
    this.el = el("section", "layer");
    this.el.dataset.layer = name;
    this.el.dataset.kind = kind;
    const title = titleFor(name, kind === "dense" && isLastDense ? "dense" : kind);
    const head = el("header", "layer-head");
    const h2 = el("h2", null, title);
    h2.id = `${idPrefix}title-${name}`;
    this.el.setAttribute("aria-labelledby", h2.id);
    head.append(h2, el("span", "shape", shapeText(shape)));
    // The tools are the head's sibling, so the layout can put them beside the maps on a wide screen.
    const tools = el("div", "head-tools");
    this.switch = null;
    if (info && (kind === "conv" || kind === "dense") && info.activation) {
      this.switch = el("div", "view-switch");
      this.switch.setAttribute("role", "group");
      this.switch.setAttribute("aria-label", `${name}: values to show`);
      const act = info.activation === "relu" ? "ReLU" : info.activation;
      for (const [view, text] of [["output", `after ${act}`], ["weighted_input", `before ${act}`]]) {
        const b = el("button", "chip", text);
        b.type = "button";
        b.dataset.view = view;
        b.addEventListener("click", () => callbacks.onView(name, view));
        this.switch.append(b);
      }
      tools.append(this.switch);
    }
    this.legend = kind === "softmax" ? null : new Legend(tools);
    this.toggle = el("button", "chip toggle", "Hide");
    this.toggle.type = "button";
    this.toggle.setAttribute("aria-label", `Hide ${name}`);
    this.toggle.addEventListener("click", () => callbacks.onToggle(name));
    tools.append(this.toggle);
    this.el.append(head, tools, el("p", "caption", captionFor(info, isLastDense, shape)));

    this.body = el("div", "layer-body");
    this.body.id = `${idPrefix}body-${name}`;
    this.body.tabIndex = 0;
    this.body.dataset.layer = name;
    this.body.setAttribute("role", "group");
    this.body.setAttribute(
      "aria-label",
      `${title}, ${shapeText(shape)}. Arrow keys move between units, Page Up and Page Down between maps, Enter explains.`,
    );
    this.toggle.setAttribute("aria-controls", this.body.id);
    this.toggle.setAttribute("aria-expanded", "true");
    this.el.append(this.body);
    const opts = { layer: name, shape };
    if (kind === "softmax") this.view = new OutputBars(this.body, { ...opts, labels: classNames });
    else if (shape.length === 3) {
      const colour = kind === "input" && shape[0] === 3;  // a colour picture: its red, green and blue maps
      this.view = new MapGrid(this.body, { ...opts, mapNames: colour ? ["R", "G", "B"] : null });
    }
    else this.view = new Strip(this.body, { ...opts, labels: isLastDense ? classNames : null });
    this.data = null;
    parent.append(this.el);
    this.setView("output");
  }

  /** Paint from a decoded trace layer (null clears) showing `view` ("output" | "weighted_input"). */
  update(layer, view = "output") {
    if (!layer) {
      this.data = null;
      if (this.kind === "softmax") this.view.update(null);
      else this.view.update(null, scaleFor(0, 1));
      this.legend?.clear();
      return;
    }
    const pre = view === "weighted_input" && layer.weighted;
    this.data = pre ? layer.weighted : layer.output;
    if (this.kind === "softmax") {
      this.view.update(this.data);
      return;
    }
    const [lo, hi] = pre ? layer.weightedRange : layer.range;
    const scale = this.kind === "input" ? scaleFor(0, 1, "grey") : scaleFor(lo, hi);
    this.view.update(this.data, scale);
    const what = this.kind === "input" ? "pixel brightness" : pre ? "values before the activation" : "values";
    this.legend.update(scale, what);
  }

  /** The value of one unit in what is shown now. */
  valueOf(unit) {
    return this.data ? this.data[this.view.valueIndex(unit)] : null;
  }

  setHidden(hidden) {
    this.el.classList.toggle("collapsed", hidden);
    this.toggle.textContent = hidden ? "Show" : "Hide";
    this.toggle.setAttribute("aria-label", `${hidden ? "Show" : "Hide"} ${this.name}`);
    this.toggle.setAttribute("aria-expanded", String(!hidden));
    this.el.dataset.hidden = String(hidden);
  }

  setView(view) {
    if (!this.switch) return;
    for (const b of this.switch.children) setAttr(b, "aria-pressed", String(b.dataset.view === view));
  }
}
