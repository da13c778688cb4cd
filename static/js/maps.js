// Feature maps of one layer: one small canvas per channel at native size, scaled up by CSS
// with image-rendering: pixelated. Owns its DOM; data arrives through update().
//
// A canvas written is a canvas the browser must copy, raster and composite again (in a trace
// of a kernel edit, about a hundred canvas copies per answer). update() colours each channel
// into a spare buffer first and writes the canvas only when some pixel differs from what it
// shows: an edit of one conv1 kernel leaves the input and the other conv1 maps untouched.

import { paintValues } from "./colormap.js";
import { cellAt } from "./pointer.js";

/** Pixels per unit so a map of width w shows at a comfortable size (28 -> 3, 10 -> 6, 5 -> 10). */
export function cellSize(w) {
  return Math.max(2, Math.min(12, Math.round(Math.max(50, Math.min(84, w * 3)) / w)));
}

// One opaque black RGBA pixel as a 32-bit word in this machine's byte order (no trace: black).
const OPAQUE_BLACK = new Uint32Array(new Uint8ClampedArray([0, 0, 0, 255]).buffer)[0];

/** Do two RGBA buffers of one size hold the same pixels? Compared a pixel (four bytes) at a time. */
export function samePixels(a, b) {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export class MapGrid {
  /** mapNames: a label per channel (the input's "R", "G", "B"), else channels are numbered. */
  constructor(body, { layer, shape, labelMaps = true, mapNames = null }) {
    const [c, h, w] = shape;
    this.layer = layer;
    this.shape = shape;
    this.maps = [];
    this.contexts = [];
    this.images = []; // what each canvas shows now
    this.spare = null; // colours of the next answer, swapped in where they differ
    this.body = body;
    this.setScale(1);
    body.style.setProperty("--w", String(w));
    body.style.setProperty("--h", String(h));
    for (let ch = 0; ch < c; ch++) {
      const map = document.createElement("div");
      map.className = "map";
      map.dataset.layer = layer;
      map.dataset.channel = String(ch);
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      map.append(canvas);
      if (labelMaps && c > 1) {
        const label = document.createElement("span");
        label.className = "map-label";
        label.textContent = mapNames?.[ch] ?? String(ch);
        map.append(label);
      }
      body.append(map);
      const ctx = canvas.getContext("2d");
      this.maps.push(map);
      this.contexts.push(ctx);
      this.images.push(ctx.createImageData(w, h));
    }
    this.spare = c > 0 ? this.contexts[0].createImageData(w, h) : null;
    this.fresh = true; // nothing written yet: the first update writes every canvas
  }

  /** Paint every channel of data (C*H*W values, C order) on the given colour scale. */
  update(data, scale) {
    const [c, h, w] = this.shape;
    const n = h * w;
    for (let ch = 0; ch < c; ch++) {
      const next = this.spare;
      if (data) paintValues(data, ch * n, n, scale, next.data);
      else new Uint32Array(next.data.buffer).fill(OPAQUE_BLACK);
      if (!this.fresh && samePixels(next.data, this.images[ch].data)) continue;
      this.contexts[ch].putImageData(next, 0, 0);
      this.spare = this.images[ch];
      this.images[ch] = next;
    }
    this.fresh = false;
  }

  /** Scale every map by k (layout.js fits the network to the screen): whole CSS pixels per unit. */
  setScale(k) {
    this.cell = Math.max(1, Math.round(cellSize(this.shape[2]) * k));
    this.body.style.setProperty("--cell", `${this.cell}px`);
  }

  /** The unit under a pointer position {x, y, target} (see pointer.js), or null. */
  unitAt(point) {
    const map = point.target.closest?.(".map");
    if (!map || !this.maps.includes(map)) return null;
    const [, h, w] = this.shape;
    const cell = cellAt(point.x, point.y, map.firstChild.getBoundingClientRect(), w, h);
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
