// Feature maps of one layer, all drawn on one canvas per row. Owns its DOM; data arrives
// through update().
//
// Each map is an empty box (.map) laid out by CSS, holding its label and the hover marks; one
// canvas behind the boxes shows the units. A canvas is a layer the browser must record, raster
// and composite again whenever it is written: one per row instead of one per map (6-16 on most
// rows) is what lets a lab redraw within a frame while a slider is dragged.
//
// update() colours each channel into a spare buffer at its native size first and writes the
// canvas only where some pixel differs from what it shows: an edit of one conv1 kernel leaves
// the input and the other conv1 maps untouched. Where each map sits on the canvas is measured
// after layout (a ResizeObserver), so CSS alone decides how the maps wrap.

import { paintValues } from "./colormap.js";
import { cellAt } from "./pointer.js";

/** Pixels per unit so a map of width w shows at a comfortable size (28 -> 3, 10 -> 6, 5 -> 10). */
export function cellSize(w) {
  return Math.max(2, Math.min(12, Math.round(Math.max(50, Math.min(84, w * 3)) / w)));
}

// CSS px: a map narrower than this shows no channel number over it (it would hide the map).
const TINY_MAP = 36;

// One opaque black RGBA pixel as a 32-bit word in this machine's byte order (no trace: black).
const OPAQUE_BLACK = new Uint32Array(new Uint8ClampedArray([0, 0, 0, 255]).buffer)[0];

/** Do two RGBA buffers hold the same pixels? Compared a pixel (four bytes) at a time. */
export function samePixels(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Copy a w x h image into a bigger one of width `stride` at (left, top), each pixel becoming a
 * cell x cell square (nearest neighbour: a unit is one flat colour, as on the map it stands for).
 */
export function blowUp(src, w, h, cell, dst, stride, left, top) {
  const s = new Uint32Array(src.buffer, src.byteOffset, w * h);
  const d = new Uint32Array(dst.buffer, dst.byteOffset, dst.length >> 2);
  const width = w * cell;
  for (let y = 0; y < h; y++) {
    const first = (top + y * cell) * stride + left;
    for (let x = 0; x < w; x++) d.fill(s[y * w + x], first + x * cell, first + (x + 1) * cell);
    for (let k = 1; k < cell; k++) d.copyWithin(first + k * stride, first, first + width);
  }
}

export class MapGrid {
  /** mapNames: a label per channel (the input's "R", "G", "B"), else channels are numbered. */
  constructor(body, { layer, shape, labelMaps = true, mapNames = null }) {
    const [c, h, w] = shape;
    this.layer = layer;
    this.shape = shape;
    this.maps = [];
    this.images = []; // what each map shows now, at its native size
    this.body = body;
    body.classList.add("maps");
    body.style.setProperty("--w", String(w));
    body.style.setProperty("--h", String(h));
    this.canvas = document.createElement("canvas");
    this.canvas.className = "maps-canvas";
    this.canvas.width = 0;
    this.canvas.height = 0;
    body.append(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    for (let ch = 0; ch < c; ch++) {
      const map = document.createElement("div");
      map.className = "map";
      map.dataset.layer = layer;
      map.dataset.channel = String(ch);
      if (labelMaps && c > 1) {
        const label = document.createElement("span");
        label.className = "map-label";
        label.textContent = mapNames?.[ch] ?? String(ch);
        map.append(label);
      }
      body.append(map);
      this.maps.push(map);
      const image = new ImageData(w, h);
      new Uint32Array(image.data.buffer).fill(OPAQUE_BLACK);
      this.images.push(image);
    }
    this.spare = new ImageData(Math.max(1, w), Math.max(1, h)); // the next answer's colours
    this.frame = null; // the whole canvas's pixels, the maps blown up where they sit
    this.spots = []; // [left, top] of each map on the canvas, CSS pixels
    this.setScale(1);
    new ResizeObserver(() => this._place()).observe(body);
  }

  /** Paint every channel of data (C*H*W values, C order) on the given colour scale. */
  update(data, scale) {
    const [c, h, w] = this.shape;
    const n = h * w;
    for (let ch = 0; ch < c; ch++) {
      const next = this.spare;
      if (data) paintValues(data, ch * n, n, scale, next.data);
      else new Uint32Array(next.data.buffer).fill(OPAQUE_BLACK);
      if (samePixels(next.data, this.images[ch].data)) continue;
      this.spare = this.images[ch];
      this.images[ch] = next;
      this._draw(ch);
    }
  }

  /** The colours map c shows now, one pixel per unit (the magnifier copies them). */
  pixelsOf(c) {
    return this.images[c];
  }

  /** Write map c onto the canvas where it sits (nothing before the maps are laid out). */
  _draw(c) {
    if (!this.frame || !this.spots[c]) return;
    const [, h, w] = this.shape;
    const [left, top] = this.spots[c];
    const cell = this.placedCell; // the size the spots were measured at (a new scale is placed anew)
    blowUp(this.images[c].data, w, h, cell, this.frame.data, this.frame.width, left, top);
    this.ctx.putImageData(this.frame, 0, 0, left, top, w * cell, h * cell);
  }

  /**
   * After layout: where each map box sits. The canvas covers them all from the body's corner,
   * one canvas pixel per CSS pixel (image-rendering keeps the units sharp on dense screens).
   * Redrawn whole only when a box moved or the cells changed size.
   */
  _place() {
    if (this.body.offsetParent === null) return; // hidden: placed again when shown
    const [, h, w] = this.shape;
    const cell = this.cell;
    const spots = this.maps.map((map) => [map.offsetLeft, map.offsetTop]);
    const width = Math.max(1, ...spots.map(([left]) => left + w * cell));
    const height = Math.max(1, ...spots.map(([, top]) => top + h * cell));
    const same = this.frame && this.frame.width === width && this.frame.height === height
      && this.placedCell === cell && spots.every((s, i) => s[0] === this.spots[i][0] && s[1] === this.spots[i][1]);
    if (same) return;
    this.spots = spots;
    this.placedCell = cell;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    this.frame = new ImageData(width, height); // transparent between the maps
    for (let c = 0; c < this.maps.length; c++) {
      const [left, top] = spots[c];
      blowUp(this.images[c].data, w, h, cell, this.frame.data, width, left, top);
    }
    this.ctx.putImageData(this.frame, 0, 0);
  }

  /** Scale every map by k (layout.js fits the network to the screen): whole CSS pixels per unit. */
  setScale(k) {
    const cell = Math.max(1, Math.round(cellSize(this.shape[2]) * k));
    if (cell === this.cell) return;
    this.cell = cell;
    this.body.style.setProperty("--cell", `${cell}px`);
    this.body.classList.toggle("tiny-maps", cell * this.shape[2] < TINY_MAP);
    // The boxes' new size reaches _place through the ResizeObserver; a change that leaves the
    // body's size as it was (the cells of a wrapped row) is placed on the next frame.
    if (this.frame && !this.placing) {
      this.placing = true;
      requestAnimationFrame(() => {
        this.placing = false;
        this._place();
      });
    }
  }

  /** The unit under a pointer position {x, y, target} (see pointer.js), or null. */
  unitAt(point) {
    const map = point.target.closest?.(".map");
    if (!map || !this.maps.includes(map)) return null;
    const [, h, w] = this.shape;
    const cell = cellAt(point.x, point.y, map.getBoundingClientRect(), w, h);
    return cell && { layer: this.layer, channel: Number(map.dataset.channel), y: cell.row, x: cell.col };
  }
  /** Where a region of channel c sits: the host element and [left, top, width, height] as fractions. */
  place(c, y0, x0, y1, x1) {
    const [, h, w] = this.shape;
    return { host: this.maps[c], box: [x0 / w, y0 / h, (x1 - x0 + 1) / w, (y1 - y0 + 1) / h] };
  }

  /** First unit, and the unit one step away from `unit` (arrow keys), wrapping between maps. */
  first() {
    return { layer: this.layer, channel: 0, y: 0, x: 0 };
  }

  step(unit, dx, dy) {
    const [c, h, w] = this.shape;
    let { channel, y, x } = unit;
    x += dx;
    y += dy;
    if (x < 0) [channel, x] = channel > 0 ? [channel - 1, w - 1] : [0, 0];
    if (x >= w) [channel, x] = channel < c - 1 ? [channel + 1, 0] : [c - 1, w - 1];
    y = Math.max(0, Math.min(h - 1, y));
    return { layer: this.layer, channel, y, x };
  }

  /** Jump a whole map (Page Up / Page Down). */
  stepMap(unit, d) {
    const channel = Math.max(0, Math.min(this.shape[0] - 1, unit.channel + d));
    return { ...unit, channel };
  }

  valueIndex(unit) {
    const [, h, w] = this.shape;
    return (unit.channel * h + unit.y) * w + unit.x;
  }
}
