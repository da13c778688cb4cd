// Touch picking: a fingertip covers several 3-5 px units, so a tap on a map (or a strip of
// a vector layer) opens that one map magnified in a dialog, and a tap there picks exactly the
// unit under the finger. Mouse, pen and keyboard pick directly and never see it.

import { PointerMemory, cellAt } from "./pointer.js";

const FINGER = 24; // CSS px: units at least this big are tapped directly
const MIN_PX = 8;
const MAX_PX = 16;

/** Rows and columns to show n units of a strip as a near-square grid (400 -> 20 x 20). */
export function squareGrid(n) {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { cols, rows: Math.ceil(n / cols) };
}

export class Magnifier {
  constructor(dialog, store, network) {
    Object.assign(this, { dialog, store, network });
    this.view = dialog.querySelector(".magnifier-view");
    this.title = dialog.querySelector("h2");
    this.shown = null; // {unit, row, cols, rows}
    network.onTap = (unit) => this.openFor(unit);
    dialog.querySelector("#magnifier-close").addEventListener("click", () => this.close());
    // Escape closes this dialog only, not an explanation open behind it.
    dialog.addEventListener("keydown", (e) => {
      if (e.key === "Escape") e.stopPropagation();
    });
    dialog.addEventListener("close", () => {
      this.shown = null;
      this.view.replaceChildren();
    });
    store.subscribe(["trace", "views"], () => this.shown && this._draw());
  }

  /** Open the map (or strip) holding `unit` if its units are too small for a finger. */
  openFor(unit) {
    const row = this.network.row(unit.layer);
    if (!row || row.kind === "softmax") return false;
    const isMap = row.view.shape?.length === 3;
    const grid = isMap ? { cols: row.view.shape[2], rows: row.view.shape[1] } : squareGrid(row.view.n);
    const shown = isMap ? row.view.maps[unit.channel] : row.view.canvas;
    const shownCell = shown.getBoundingClientRect().width / (isMap ? grid.cols : row.view.canvas.width);
    if (shownCell >= FINGER) return false;
    this.shown = { unit, row, isMap, ...grid };
    this.title.textContent = isMap
      ? `${unit.layer} · map ${unit.channel}, magnified`
      : `${unit.layer} · all ${row.view.n} units, ${grid.cols} to a row`;
    this._draw();
    this.dialog.showModal();
    return true;
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Copy the shown colours into a big canvas, units 8-16 CSS px each. */
  _draw() {
    const { cols, rows, isMap, row, unit } = this.shown;
    const canvas = document.createElement("canvas");
    canvas.width = cols;
    canvas.height = rows;
    const ctx = canvas.getContext("2d");
    if (isMap) ctx.putImageData(row.view.pixelsOf(unit.channel), 0, 0);
    else {
      // A strip is one long row (or a few): lay the same pixels out row by row in a square.
      const source = row.view.canvas;
      const n = row.view.n;
      const from = source.getContext("2d").getImageData(0, 0, source.width, source.height).data;
      const to = ctx.createImageData(cols, rows);
      to.data.set(from.subarray(0, n * 4));
      ctx.putImageData(to, 0, 0);
    }
    const room = Math.min(window.innerWidth - 48, window.innerHeight - 170);
    const px = Math.max(MIN_PX, Math.min(MAX_PX, Math.floor(room / Math.max(cols, rows))));
    canvas.style.setProperty("--mw", `${cols * px}px`);
    canvas.style.setProperty("--mh", `${rows * px}px`);
    canvas.dataset.layer = this.shown.unit.layer;
    const memory = new PointerMemory(canvas);
    canvas.addEventListener("click", (e) => this._pick(memory.clickPoint(e)));
    this.view.replaceChildren(canvas);
    this.canvas = canvas;
  }

  _pick(point) {
    const { unit, row, isMap, cols, rows } = this.shown;
    const cell = cellAt(point.x, point.y, this.canvas.getBoundingClientRect(), cols, rows);
    if (!cell) return;
    let picked;
    if (isMap) picked = { layer: unit.layer, channel: unit.channel, y: cell.row, x: cell.col };
    else {
      const index = cell.row * cols + cell.col;
      if (index >= row.view.n) return;
      picked = { layer: unit.layer, index };
    }
    this.close();
    this.store.set({ selection: picked, hover: null, explainOpen: true });
  }
}
