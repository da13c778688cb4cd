// Drawing a map of numbers into a canvas at its native size (CSS scales it up, pixelated).

import { paintValues, scaleFor } from "../colormap.js";
import { extent } from "../tensor.js";

/** Paint data (h*w values, row by row) into canvas on `scale` (default: diverging or sequential by its range). */
export function paintMap(canvas, data, h, w, scale = null) {
  // Setting a canvas's size clears and reallocates it: only when the map's size changed.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const [lo, hi] = extent(data);
  const chosen = scale ?? scaleFor(lo, hi);
  const image = new ImageData(w, h);
  paintValues(data, 0, h * w, chosen, image.data);
  canvas.getContext("2d").putImageData(image, 0, 0);
  return chosen;
}
