// The explain panel: opens on a click or Enter, follows the selection and the drawing,
// asks /api/explain (one request in flight, the latest wins) and closes with Escape.
// While comparing, the second network has an ExplainPanel of its own on the same element
// (compare/side.js): the one that showed the element last owns it, and only the owner hides it.

import { Latest } from "./latest.js";
import { decodeTensors, inputPixel, pixelsOf } from "./trace.js";
import { renderExplanation, renderInput } from "./explain-view.js";
import { subjectOf } from "./captions.js";
import { unitText } from "./format.js";
import { el } from "./dom.js";

const owners = new WeakMap(); // panel element -> the ExplainPanel showing it

export class ExplainPanel {
  /** naming(): words put before the unit in the title ("The right network"), or "" for none. */
  constructor({ panel, title, body, close }, store, api, { naming = () => "" } = {}) {
    Object.assign(this, { panel, title, body, store, api, naming });
    this.latest = new Latest(
      ({ json, unit }) => this._show(json, unit),
      (err) => this._message(err.message),
    );
    close.addEventListener("click", () => this.store.set({ explainOpen: false }));
    store.subscribe(["selection", "explainOpen", "trace"], (state, changed) => this.update(state, changed));
  }

  update(state) {
    const { explainOpen, selection, trace, modelId } = state;
    const open = Boolean(explainOpen && selection);
    if (!open) {
      this.latest.drop();
      if (owners.get(this.panel) === this) {
        owners.delete(this.panel);
        this.panel.hidden = true;
        document.documentElement.classList.remove("detail-open");
      }
      return;
    }
    if (owners.get(this.panel) !== this) this.body.replaceChildren(); // what the other network's panel left
    owners.set(this.panel, this);
    this.panel.hidden = false;
    document.documentElement.classList.add("detail-open");
    const name = this.naming();
    this.title.textContent = `${name ? `${name}: ` : ""}${selection.layer} · ${unitText(selection)}`;
    this.panel.dataset.layer = selection.layer;
    if (!trace) {
      this.latest.drop();
      this._message(`Draw a ${subjectOf(state.model)} or upload a photo first: the arithmetic needs an input.`);
      return;
    }
    if (selection.layer === "input") {
      // Nothing to ask the server: an input pixel is the trace's own byte.
      this.latest.drop();
      const pixel = inputPixel(trace, selection);
      if (pixel) this._render(renderInput(pixel), "input", selection);
      else this._message("That pixel is outside the picture.");
      return;
    }
    if (this.body.childElementCount === 0) this._message("Working it out…");
    const pixels = pixelsOf(trace);
    const unit = { ...selection };
    this.latest.push(undefined, (signal) => this.api.explain(modelId, pixels, unit, signal).then((json) => ({ json, unit })));
  }

  _show(json, unit) {
    const e = decodeTensors(json);
    this._render(renderExplanation(e, this.store.state.model), e.kind, unit);
  }

  _render(nodes, kind, unit) {
    this.body.replaceChildren(...nodes);
    this.panel.dataset.kind = kind;
    this.panel.dataset.unit = JSON.stringify(unit);
    this.panel.dispatchEvent(new CustomEvent("cnnvis:explained", { bubbles: true }));
  }

  _message(text) {
    this.body.replaceChildren(el("p", "note", text));
  }
}
