// A vector layer (flatten, dense) as a strip of cells: one canvas of cols x rows, scaled by
// CSS. Owns its DOM; data arrives through update().

import { paintValues } from "./colormap.js";
import { cellAt } from "./pointer.js";

/**
 * Columns, rows and cell size for n units: one row up to 120, else rows of up to 200.
 * Labelled units (class scores) get one row with cells wide enough for names like "T-shirt/top".
 */
export function stripLayout(n, labels = null) {
  if (labels) {
    const longest = Math.max(0, ...labels.map((t) => String(t).length));
    return { cols: n, rows: 1, cw: longest > 3 ? 72 : 40, ch: 22 };
  }
  const cols = n <= 120 ? n : Math.min(200, Math.ceil(n / Math.ceil(n / 200)));
  const rows = Math.ceil(n / cols);
  const cw = Math.max(3, Math.min(24, Math.floor(480 / cols)));
  return { cols, rows, cw, ch: rows > 1 ? 14 : 22 };
}

export class Strip {
  constructor(body, { layer, shape, labels = null }) {
    this.layer = layer;
    this.n = shape[0];
    this.layout = stripLayout(this.n, labels);
    const { cols, rows } = this.layout;
    this.el = document.createElement("div");
    this.el.className = "strip";
    this.el.dataset.layer = layer;
    this.labelled = Boolean(labels);
    this.el.style.setProperty("--cols", String(cols));
    this.el.style.setProperty("--rows", String(rows));
    const canvas = document.createElement("canvas");
    canvas.width = cols;
    canvas.height = rows;
    this.canvas = canvas;
    this.el.append(canvas);
    body.append(this.el);
    if (labels) {
      const row = document.createElement("div");
      row.className = "strip-labels";
      row.style.setProperty("--cols", String(cols));
      this.labelRow = row;
      for (const text of labels) {
        const span = document.createElement("span");
        span.textContent = text;
        row.append(span);
      }
      body.append(row);
    }
    this.ctx = canvas.getContext("2d");
    this.image = this.ctx.createImageData(cols, rows);
    this.setScale(1);
  }

  /** Scale the cells by k (layout.js); class names keep the width they need to be read. */
  setScale(k) {
    const { cw, ch } = this.layout;
    const width = this.labelled ? Math.round(cw * Math.max(1, k)) : Math.max(1, Math.round(cw * k));
    const height = Math.max(4, Math.round(ch * k));
    this.cell = `${width}x${height}`;
    this.el.style.setProperty("--cw", `${width}px`);
    this.el.style.setProperty("--ch", `${height}px`);
    this.labelRow?.style.setProperty("--cw", `${width}px`);
  }

  update(data, scale) {
    const px = this.image.data;
    px.fill(0);
    if (data) paintValues(data, 0, this.n, scale, px);
    for (let i = 3; i < px.length; i += 4) px[i] = 255;
    this.ctx.putImageData(this.image, 0, 0);
  }

  /** The unit under a pointer position {x, y, target} (see pointer.js), or null. */
  unitAt(point) {
    if (point.target !== this.canvas) return null;
    const { cols, rows } = this.layout;
    const cell = cellAt(point.x, point.y, this.canvas.getBoundingClientRect(), cols, rows);
    const index = cell ? cell.row * cols + cell.col : this.n;
    return index < this.n ? { layer: this.layer, index } : null;
  }

  /** Units c0..c1 as a box over the strip: exact for one row, the rows it spans otherwise. */
  place(c0, c1 = c0) {
    const { cols, rows } = this.layout;
    const r0 = Math.floor(c0 / cols);
    const r1 = Math.floor(c1 / cols);
    if (r0 === r1) return { host: this.el, box: [(c0 % cols) / cols, r0 / rows, (c1 - c0 + 1) / cols, 1 / rows] };
    return { host: this.el, box: [0, r0 / rows, 1, (r1 - r0 + 1) / rows] };
  }

  first() {
    return { layer: this.layer, index: 0 };
  }

  step(unit, dx, dy) {
    const jump = this.layout.rows > 1 ? this.layout.cols : 10; // Up/Down on one row: ten units
    const index = Math.max(0, Math.min(this.n - 1, unit.index + dx + dy * jump));
    return { layer: this.layer, index };
  }

  stepMap(unit, d) {
    return this.step(unit, d * 10, 0);
  }

  valueIndex(unit) {
    return unit.index;
  }
}
