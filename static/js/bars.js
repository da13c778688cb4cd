// The output layer as labelled probability bars, the top two guesses marked. Owns its DOM.

import { setText } from "./dom.js";
import { percent, topTwo } from "./format.js";

export class OutputBars {
  constructor(body, { layer, shape, labels }) {
    this.layer = layer;
    this.n = shape[0];
    this.el = document.createElement("div");
    this.el.className = "bars";
    this.el.style.setProperty("--n", String(this.n));
    this.rows = [];
    for (let i = 0; i < this.n; i++) {
      const row = document.createElement("div");
      row.className = "bar-row";
      row.dataset.layer = layer;
      row.dataset.index = String(i);
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = labels?.[i] ?? String(i);
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      row.append(label, track, value);
      this.el.append(row);
      this.rows.push({ row, fill, value, track });
    }
    body.append(this.el);
  }

  update(data) {
    const best = data ? topTwo(Array.from(data)) : [];
    for (let i = 0; i < this.n; i++) {
      const { row, fill, value } = this.rows[i];
      const p = data ? data[i] : 0;
      // The share as a number: the CSS draws it as a width, or as a height in a column chart.
      // (to a thousandth, far below a pixel: an unchanged share is not written again)
      const share = String(Math.round(1000 * Math.max(0, Math.min(1, p))) / 1000);
      if (fill.style.getPropertyValue("--p") !== share) fill.style.setProperty("--p", share);
      setText(value, data ? percent(p) : ""); // most shares stay at 0% from answer to answer
      row.classList.toggle("first", best[0]?.index === i);
      row.classList.toggle("second", best[1]?.index === i);
    }
  }

  unitAt(point) {
    const row = point.target.closest?.(".bar-row");
    if (!row || row.parentNode !== this.el) return null;
    return { layer: this.layer, index: Number(row.dataset.index) };
  }

  place(c0) {
    return { host: this.rows[c0].track, box: [0, 0, 1, 1] };
  }

  first() {
    return { layer: this.layer, index: 0 };
  }

  step(unit, dx, dy) {
    return { layer: this.layer, index: Math.max(0, Math.min(this.n - 1, unit.index + dx + dy)) };
  }

  stepMap(unit, d) {
    return this.step(unit, d, 0);
  }

  valueIndex(unit) {
    return unit.index;
  }
}
