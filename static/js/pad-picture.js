// What the pad shows when the answer is not about a drawing: the uploaded photo (fitted,
// upright) or the 28x28 input of an example or a shared link, drawn into the pad itself, so
// the pad never shows an old drawing beside an answer about something else. The strokes stay
// underneath: the next touch of the pad (or undo) brings the drawing back, and the answer
// with it.

import { stepPictures } from "./answer.js";

const INK_FLOOR = 0.15 * 255; // the server's least contrast for ink (MIN_CONTRAST in app/preprocess.py)

/** Does an RGBA buffer hold nothing the server would count as ink (all channels near black)? */
export function inkless(rgba, floor = INK_FLOOR) {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] > floor || rgba[i + 1] > floor || rgba[i + 2] > floor) return false;
  }
  return true;
}

let copy = null; // a canvas kept for reading pixels back, so the pad's own stays fast to draw on

/**
 * Is the pad blank (all rubbed out)? Then there is nothing to ask about. Only the eraser can
 * hide ink a stroke left, so only then are the pixels read.
 */
export function padIsBlank(pad) {
  if (pad.empty) return true;
  if (!pad.strokes.some((s) => s.erase)) return false;
  const { width, height } = pad.canvas;
  copy ??= document.createElement("canvas");
  [copy.width, copy.height] = [width, height];
  const ctx = copy.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(pad.canvas, 0, 0);
  return inkless(ctx.getImageData(0, 0, width, height).data);
}

/** The box [x, y, w, h] that fits a w x h picture inside a side x side square, centred. */
export function fitBox(width, height, side) {
  const k = Math.min(side / width, side / height);
  const w = width * k;
  const h = height * k;
  return [(side - w) / 2, (side - h) / 2, w, h];
}

export class PadPicture {
  constructor(pad, store) {
    this.pad = pad;
    this.store = store;
    this.photo = null; // a small canvas of the photo the shown answer is about
    this.pending = null; // ... of the photo on its way
    this.shown = null; // "photo" | "input" | null
    store.subscribe(["trace", "source"], () => this.update());
    // Capture on the pad's frame runs before the pad's own handler starts a stroke.
    pad.canvas.parentElement.addEventListener("pointerdown", () => this.clear(), true);
  }

  /** The photo now on its way (null when the browser could not decode it). */
  sending(preview) {
    this.pending = preview;
  }

  /** The photo on its way was refused: an answer about a photo is still about the last one. */
  refused() {
    this.pending = this.photo;
  }

  update() {
    const { trace, source } = this.store.state;
    if (!trace || source === "drawing") {
      // Cleared, a model loading, or the drawing is back (undo redraws it): no picture now.
      if (source === "drawing") this.shown = null;
      delete this.pad.canvas.dataset.showing;
      return;
    }
    if (source === "upload") this.photo = this.pending;
    const { canvas, ctx } = this.pad;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (source === "upload" && this.photo) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.photo, ...fitBox(this.photo.width, this.photo.height, canvas.width));
      this.shown = "photo";
    } else {
      this._drawInput(trace.input.bytes, trace.input.shape);
      this.shown = "input";
    }
    canvas.dataset.showing = this.shown;
  }

  _drawInput(bytes, [c, h, w]) {
    const small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    const sctx = small.getContext("2d");
    const image = sctx.createImageData(w, h);
    for (let i = 0; i < w * h; i++) {
      // One channel is grey; three are R, G and B, one map after another.
      for (let k = 0; k < 3; k++) image.data[4 * i + k] = bytes[(c === 3 ? k * w * h : 0) + i];
      image.data[4 * i + 3] = 255;
    }
    sctx.putImageData(image, 0, 0);
    const { canvas, ctx } = this.pad;
    ctx.imageSmoothingEnabled = false; // the network's own pixels, as squares
    ctx.drawImage(small, ...fitBox(w, h, canvas.width));
    ctx.imageSmoothingEnabled = true;
  }

  clear() {
    if (!this.shown) return;
    this.shown = null;
    delete this.pad.canvas.dataset.showing;
    this.pad.redraw();
  }
}

let stepCanvas = null; // one canvas turns every colour step into a PNG data: URL

/**
 * Pictures of a drawing's preparation (prepare-input.js, steps()) ready to show: grey steps
 * (`bytes`) as the answer view makes them, colour ones (`rgba`) drawn as they are.
 */
export function stepImages(steps) {
  return steps.map((step) => {
    if (!step.rgba) return stepPictures([step])[0];
    const { name, caption, width, height, rgba } = step;
    stepCanvas ??= document.createElement("canvas");
    [stepCanvas.width, stepCanvas.height] = [width, height];
    const ctx = stepCanvas.getContext("2d");
    const picture = ctx.createImageData(width, height);
    picture.data.set(rgba);
    for (let i = 3; i < picture.data.length; i += 4) picture.data[i] = 255;
    ctx.putImageData(picture, 0, 0);
    return { name, caption, width, height, image: stepCanvas.toDataURL("image/png") };
  });
}
