// Drawing a map of numbers into a canvas at its native size (CSS scales it up, pixelated).

import { paintValues, scaleFor } from "../colormap.js";
import { samePixels } from "../maps.js";
import { extent } from "../tensor.js";

// What each canvas shows now, so a map an answer did not change (the Kernel lab's input while
// the kernel, its size or the padding change) is not written again: a canvas write costs the
// browser a new image of that canvas in the next frame even when every pixel is the same.
const shown = new WeakMap(); // canvas -> ImageData last written

/** Paint data (h*w values, row by row) into canvas on `scale` (default: diverging or sequential by its range). */
export function paintMap(canvas, data, h, w, scale = null) {
  const [lo, hi] = extent(data);
  const chosen = scale ?? scaleFor(lo, hi);
  const image = new ImageData(w, h);
  paintValues(data, 0, h * w, chosen, image.data);
  const last = shown.get(canvas);
  if (last && canvas.width === w && canvas.height === h && samePixels(last.data, image.data)) return chosen;
  // Setting a canvas's size clears and reallocates it: only when the map's size changed.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.getContext("2d").putImageData(image, 0, 0);
  shown.set(canvas, image);
  return chosen;
}
