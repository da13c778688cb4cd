// The one owner of hover highlights. For the unit under the pointer (or, failing that, the
// selected one) it marks the unit, reports it on its layer as data-active-*, outlines its
// receptive field on every map of every layer below (data-rf-* elements), draws lines to
// what it reads in the layer just before, and shows its value. Dense units point at their
// strongest inputs (largest |weight x activation|) rather than at all of them.

import { receptiveField, strongestInputs } from "./receptive.js";
import { fmt, unitText } from "./format.js";
import { sameUnit } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";
const ACTIVE = ["activeChannel", "activeY", "activeX", "activeIndex"];
const MAX_LINES = 24;

function placeMark(place, className) {
  const mark = document.createElement("div");
  mark.className = className;
  const [l, t, w, h] = place.box;
  mark.style.left = `${l * 100}%`;
  mark.style.top = `${t * 100}%`;
  mark.style.width = `${w * 100}%`;
  mark.style.height = `${h * 100}%`;
  place.host.append(mark);
  return mark;
}

function centre(elem, origin) {
  const r = elem.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return null; // in a hidden layer
  return [r.left + r.width / 2 - origin.left, r.top + r.height / 2 - origin.top];
}

export class Highlighter {
  constructor(store, network, { svg, tip, host }) {
    this.store = store;
    this.network = network;
    this.svg = svg;
    this.tip = tip;
    this.host = host;
    this.marks = [];
    this.activeRow = null;
    const keys = ["hover", "selection", "trace", "views", "hidden", "weights", "large", "explainOpen"];
    store.subscribe(keys, () => this.render());
    // Lines are drawn in pixels: redraw when the layout moves (panel opened, window resized).
    let pending = false;
    new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.render();
      });
    }).observe(host);
  }

  clear() {
    for (const mark of this.marks) mark.remove();
    this.marks = [];
    if (this.activeRow) for (const key of ACTIVE) delete this.activeRow.dataset[key];
    this.activeRow = null;
    this.svg.replaceChildren();
    this.tip.hidden = true;
    for (const bar of this.host.querySelectorAll(".bar-row.active")) bar.classList.remove("active");
  }

  render() {
    this.clear();
    const { hover, selection, model } = this.store.state;
    if (selection && !sameUnit(selection, hover)) this._markSelection(selection);
    const unit = hover ?? selection;
    const row = unit && model ? this.network.row(unit.layer) : null;
    if (!row) return;
    this.activeRow = row.el;
    if (unit.index !== undefined) row.el.dataset.activeIndex = String(unit.index);
    else Object.assign(row.el.dataset, { activeChannel: unit.channel, activeY: unit.y, activeX: unit.x });
    const own = unit.index !== undefined ? row.view.place(unit.index) : row.view.place(unit.channel, unit.y, unit.x, unit.y, unit.x);
    const mark = placeMark(own, sameUnit(unit, selection) ? "unit-mark selected" : "unit-mark");
    this.marks.push(mark);
    if (row.kind === "softmax") row.view.rows[unit.index].row.classList.add("active");
    const regions = receptiveField(model, unit.layer, unit.index ?? unit.channel, unit.y ?? 0, unit.x ?? 0);
    const firstBoxes = [];
    for (const region of regions) {
      const boxes = this._outline(region);
      if (region === regions[0]) firstBoxes.push(...boxes);
    }
    const origin = this.host.getBoundingClientRect();
    const from = centre(mark, origin);
    if (from && regions.length) this._lines(unit, row, regions[0], firstBoxes, from, origin);
    this._tip(unit, row, mark, origin);
  }

  _markSelection(selection) {
    const row = this.network.row(selection.layer);
    if (!row) return;
    const place = selection.index !== undefined
      ? row.view.place(selection.index)
      : row.view.place(selection.channel, selection.y, selection.x, selection.y, selection.x);
    this.marks.push(placeMark(place, "unit-mark selected"));
  }

  /** One data-rf-* element per map of the region (one for a vector layer's run of units). */
  _outline(region) {
    const row = this.network.row(region.layer);
    if (!row) return [];
    const boxes = [];
    const tag = (mark, channel) => {
      mark.dataset.rfLayer = region.layer;
      mark.dataset.rfChannel = String(channel);
      mark.dataset.rfY0 = String(region.y0);
      mark.dataset.rfX0 = String(region.x0);
      mark.dataset.rfY1 = String(region.y1);
      mark.dataset.rfX1 = String(region.x1);
      this.marks.push(mark);
      boxes.push(mark);
    };
    if (row.view.shape?.length === 3) {
      for (let c = region.c0; c <= region.c1; c++) {
        tag(placeMark(row.view.place(c, region.y0, region.x0, region.y1, region.x1), "rf-box"), c);
      }
    } else {
      const mark = placeMark(row.view.place(region.c0, region.c1), "rf-box");
      mark.dataset.rfC0 = String(region.c0);
      mark.dataset.rfC1 = String(region.c1);
      tag(mark, region.c0);
    }
    return boxes;
  }

  _lines(unit, row, region, boxes, from, origin) {
    const below = this.network.row(region.layer);
    const { weights, trace } = this.store.state;
    const targets = [];
    if (row.kind === "dense" && weights?.[unit.layer] && trace) {
      const inputs = region.layer === "input" ? trace.input.output : trace.layers.get(region.layer)?.output;
      const w = weights[unit.layer].w;
      if (inputs && below.view.shape === undefined) {
        for (const top of strongestInputs(w.data, w.shape[1], inputs, unit.index, 8)) {
          const mark = placeMark(below.view.place(top.index), top.product < 0 ? "strong-mark negative" : "strong-mark");
          mark.dataset.strongIndex = String(top.index);
          this.marks.push(mark);
          targets.push([mark, top.product < 0 ? "strong-line negative" : "strong-line"]);
        }
      }
    }
    if (targets.length === 0) {
      if (below.view.shape?.length === 3) for (const box of boxes) targets.push([box, ""]);
      else {
        const n = Math.min(MAX_LINES, region.c1 - region.c0 + 1);
        for (let i = 0; i < n; i++) {
          const mark = placeMark(below.view.place(region.c0 + i), "strong-mark");
          this.marks.push(mark);
          targets.push([mark, ""]);
        }
      }
    }
    for (const [target, className] of targets) {
      const to = centre(target, origin);
      if (!to) continue;
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", from[0].toFixed(1));
      line.setAttribute("y1", from[1].toFixed(1));
      line.setAttribute("x2", to[0].toFixed(1));
      line.setAttribute("y2", to[1].toFixed(1));
      if (className) line.setAttribute("class", className);
      this.svg.append(line);
    }
  }

  _tip(unit, row, mark, origin) {
    const value = row.valueOf(unit);
    const r = mark.getBoundingClientRect();
    if (r.width === 0) return;
    this.tip.textContent = `${unit.layer} · ${unitText(unit)} = ${value === null ? "–" : fmt(value)}`;
    this.tip.hidden = false;
    // Right of the unit and above it; on the left when that would leave the window.
    const tip = this.tip.getBoundingClientRect();
    const right = document.documentElement.clientWidth - 4;
    let x = r.right + 6;
    if (x + tip.width > right) x = Math.max(4, r.left - 6 - tip.width);
    const y = r.top - 26 < 4 ? r.bottom + 6 : r.top - 26;
    this.tip.style.left = `${x - origin.left}px`;
    this.tip.style.top = `${y - origin.top}px`;
  }
}
