// The network column: builds one LayerRow per layer from the architecture the API serves,
// repaints them from the store's trace, and turns pointer events into hover and selection.

import { LayerRow } from "./rows.js";
import { layerTable } from "./receptive.js";
import { sameUnit } from "./state.js";
import { PointerMemory } from "./pointer.js";

export class NetworkView {
  /** idPrefix: put before the rows' element ids, so a second network on the page has its own. */
  constructor(container, store, { idPrefix = "" } = {}) {
    this.container = container;
    this.store = store;
    this.idPrefix = idPrefix;
    this.rows = new Map();
    this.followers = []; // other networks drawn at this one's scale (compare mode)
    this.lastPaint = 0;
    // A tap that lands on units too small for a finger: the magnifier (magnifier.js) takes it
    // and returns true; otherwise the tap selects like a click.
    this.onTap = () => false;
    this.pointer = new PointerMemory(container);
    container.addEventListener("pointermove", (e) => this._hover(e));
    container.addEventListener("pointerleave", () => this.store.set({ hover: null }));
    container.addEventListener("click", (e) => {
      const point = this.pointer.clickPoint(e);
      const unit = this.unitAt(point);
      if (!unit || (point.type === "touch" && this.onTap(unit, point))) return;
      this.store.set({ selection: unit, explainOpen: true });
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
        idPrefix: this.idPrefix,
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

  /** Scale every row's units by k (layout.js measures what fits). */
  setScale(k) {
    for (const row of this.rows.values()) row.view.setScale?.(k);
    for (const view of this.followers) view.setScale(k);
  }

  /** The unit under a pointer position {x, y, target} (pointer.js), or null. */
  unitAt(point) {
    const rowEl = point.target.closest?.(".layer");
    if (!rowEl) return null;
    const row = this.rows.get(rowEl.dataset.layer);
    return row ? row.view.unitAt(point) : null;
  }

  _hover(event) {
    const unit = this.unitAt({ x: event.clientX, y: event.clientY, target: event.target });
    if (!sameUnit(unit, this.store.state.hover)) this.store.set({ hover: unit });
  }

  _applyHidden() {
    const hidden = this.store.state.hidden;
    for (const [name, row] of this.rows) row.setHidden(hidden.includes(name));
  }
}
