// The network column: builds one LayerRow per layer from the architecture the API serves,
// repaints them from the store's trace, and turns pointer events into hover and selection.

import { LayerRow } from "./rows.js";
import { layerTable } from "./receptive.js";
import { sameUnit } from "./state.js";

export class NetworkView {
  constructor(container, store) {
    this.container = container;
    this.store = store;
    this.rows = new Map();
    this.lastPaint = 0;
    container.addEventListener("pointermove", (e) => this._hover(e));
    container.addEventListener("pointerleave", () => this.store.set({ hover: null }));
    container.addEventListener("click", (e) => {
      const unit = this.unitAt(e);
      if (unit) this.store.set({ selection: unit, explainOpen: true });
    });
    store.subscribe(["trace", "views"], () => this.paint());
    store.subscribe(["hidden"], () => this._applyHidden());
  }

  /** Build the rows for a model (GET /api/models/{id}). */
  build(model) {
    this.container.replaceChildren();
    this.rows.clear();
    const table = layerTable(model);
    const denseNames = table.filter((r) => r.kind === "dense").map((r) => r.name);
    const callbacks = {
      onToggle: (name) => this.store.toggleHidden(name),
      onView: (name, view) => this.store.setView(name, view),
    };
    for (const row of table) {
      const layerRow = new LayerRow(this.container, {
        name: row.name,
        kind: row.kind,
        shape: row.shape,
        info: row.spec,
        classNames: model.class_names,
        isLastDense: row.name === denseNames.at(-1),
        callbacks,
      });
      this.rows.set(row.name, layerRow);
    }
    this._applyHidden();
    this.paint();
  }

  row(name) {
    return this.rows.get(name);
  }

  /** Repaint every row from the current trace; returns the milliseconds it took. */
  paint() {
    const start = performance.now();
    const { trace, views } = this.store.state;
    for (const [name, row] of this.rows) {
      if (!trace) row.update(null);
      else if (name === "input") row.update(trace.input);
      else row.update(trace.layers.get(name), views[name] ?? "output");
      row.setView(views[name] ?? "output");
    }
    this.lastPaint = performance.now() - start;
    return this.lastPaint;
  }

  unitAt(event) {
    const rowEl = event.target.closest?.(".layer");
    if (!rowEl) return null;
    const row = this.rows.get(rowEl.dataset.layer);
    return row ? row.view.unitAt(event) : null;
  }

  _hover(event) {
    const unit = this.unitAt(event);
    if (!sameUnit(unit, this.store.state.hover)) this.store.set({ hover: unit });
  }

  _applyHidden() {
    const hidden = this.store.state.hidden;
    for (const [name, row] of this.rows) row.setHidden(hidden.includes(name));
  }
}
