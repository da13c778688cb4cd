// The explain panel: opens on a click or Enter, follows the selection and the drawing,
// asks /api/explain (one request in flight, the latest wins) and closes with Escape.

import { Latest } from "./latest.js";
import { decodeTensors, pixelsOf } from "./trace.js";
import { renderExplanation } from "./explain-view.js";
import { unitText } from "./format.js";
import { el } from "./grids.js";

export class ExplainPanel {
  constructor({ panel, title, body, close }, store, api) {
    Object.assign(this, { panel, title, body, store, api });
    this.shownFor = null;
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
    this.panel.hidden = !open;
    document.documentElement.classList.toggle("detail-open", open);
    if (!open) {
      this.latest.drop();
      return;
    }
    this.title.textContent = `${selection.layer} · ${unitText(selection)}`;
    this.panel.dataset.layer = selection.layer;
    if (!trace) {
      this._message("Draw a digit or upload a photo first: the arithmetic needs an input.");
      return;
    }
    if (this.body.childElementCount === 0) this._message("Working it out…");
    const pixels = pixelsOf(trace);
    const unit = { ...selection };
    this.latest.push(undefined, (signal) => this.api.explain(modelId, pixels, unit, signal).then((json) => ({ json, unit })));
  }

  _show(json, unit) {
    const model = this.store.state.model;
    const e = decodeTensors(json);
    this.body.replaceChildren(...renderExplanation(e, model));
    this.panel.dataset.kind = e.kind;
    this.panel.dataset.unit = JSON.stringify(unit);
    this.panel.dispatchEvent(new CustomEvent("cnnvis:explained", { bubbles: true }));
  }

  _message(text) {
    this.body.replaceChildren(el("p", "note", text));
  }
}
