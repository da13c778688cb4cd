// Numbered grids for the explain panel: a table of values with coordinates on the edges,
// each cell tinted by a colour scale. Text only through textContent.

import { cssColour, inkFor, scaleFor } from "./colormap.js";
import { el } from "./dom.js";
import { fmt } from "./format.js";

/**
 * A k x k grid from data[offset ..]: rows labelled rowStart.., columns colStart..;
 * marks: Map(flat index -> class name) for cells to single out (winner, padding).
 */
export function numberGrid(data, offset, k, { title, scale, rowStart = 0, colStart = 0, marks = new Map(), kw = k }) {
  const figure = el("figure", "grid");
  if (title) figure.append(el("figcaption", null, title));
  const table = el("table", "numgrid");
  const values = Array.from(data.subarray(offset, offset + k * kw));
  const s = scale ?? scaleFor(Math.min(...values), Math.max(...values));
  const head = el("tr");
  const corner = el("th", "corner");
  corner.append(el("span", "visually-hidden", "row, column")); // a header is never empty
  head.append(corner);
  for (let x = 0; x < kw; x++) head.append(el("th", "col", String(colStart + x)));
  table.append(head);
  for (let y = 0; y < k; y++) {
    const tr = el("tr");
    tr.append(el("th", "row", String(rowStart + y)));
    for (let x = 0; x < kw; x++) {
      const v = values[y * kw + x];
      const td = el("td", marks.get(y * kw + x) ?? "", fmt(v, 2));
      td.title = fmt(v, 6);
      td.style.backgroundColor = cssColour(v, s);
      td.style.color = inkFor(v, s);
      tr.append(td);
    }
    table.append(tr);
  }
  figure.append(table);
  return figure;
}

/** An "a op b = c" line of the arithmetic, every part its own span for styling. */
export function equation(parts) {
  const p = el("p", "equation");
  for (const part of parts) {
    if (typeof part === "string") p.append(el("span", "op", part));
    else p.append(el("span", part.className ?? "num", part.text));
  }
  return p;
}

export function num(v, digits = 4) {
  return { text: fmt(v, digits) };
}

/** A plain table from header cells and rows of cell text; `highlight` is a row index to mark. */
export function table(headers, rows, highlight = -1) {
  const t = el("table", "plain");
  const head = el("tr");
  for (const h of headers) head.append(el("th", null, h));
  t.append(head);
  rows.forEach((cells, i) => {
    const tr = el("tr", i === highlight ? "highlight" : "");
    for (const c of cells) tr.append(el("td", null, c));
    t.append(tr);
  });
  return t;
}
