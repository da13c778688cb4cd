// The left column's read-outs: the prediction with the top two guesses, and the
// preprocessing steps (the server's for a photo, the page's own for a drawing), so a
// student sees what the network sees.

import { subjectOf } from "./captions.js";
import { setAttr, setText } from "./dom.js";
import { fmt, percent, topTwo } from "./format.js";

/**
 * "moved 4 px down and 0.5 px left to centre its mass" from [dy, dx] and the server's
 * `centre` ("mass" for digits, as MNIST was made; "box" for clothes, as Fashion-MNIST was).
 */
export function shiftText([dy, dx], centre = "mass") {
  const what = centre === "box" ? "box" : "mass";
  const moves = [];
  if (dy) moves.push(`${fmt(Math.abs(dy))} px ${dy > 0 ? "down" : "up"}`);
  if (dx) moves.push(`${fmt(Math.abs(dx))} px ${dx > 0 ? "right" : "left"}`);
  return moves.length ? `moved ${moves.join(" and ")} to centre its ${what}` : `already centred on its ${what}`;
}

let scratch = null; // one canvas turns every step's bytes into a PNG data: URL

/** Steps from prepare.js's steps() ({name, caption, width, height, bytes}) with an `image` to show. */
export function stepPictures(steps) {
  scratch ??= document.createElement("canvas");
  const ctx = scratch.getContext("2d");
  return steps.map(({ name, caption, width, height, bytes }) => {
    scratch.width = width;
    scratch.height = height;
    const picture = ctx.createImageData(width, height);
    const rgba = picture.data;
    for (let i = 0; i < bytes.length; i++) {
      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = bytes[i];
      rgba[4 * i + 3] = 255;
    }
    ctx.putImageData(picture, 0, 0);
    return { name, caption, width, height, image: scratch.toDataURL("image/png") };
  });
}

/**
 * The ink as the server found it. It reports which way the ink ran (`inverted`), not the
 * background, and a transparent picture has none of its own: its ink is put on whichever
 * background it contrasts with. So the words speak of the ink only.
 */
export function inkText(inverted) {
  return inverted ? "dark ink, so the colours were flipped to white ink on black" : "light ink, read as it is";
}

// Where the input on show came from, in the answer's words.
const FROM = { drawing: "your drawing", upload: "your photo", example: "the example", shared: "the shared picture" };

export class AnswerView {
  constructor({ prediction, guesses, section, steps, note, hint, pad }, store) {
    Object.assign(this, { prediction, guesses, section, steps, note, hint, pad });
    this.store = store;
    this.stepsFrom = null; // the source of the preprocessing pictures on screen
    store.subscribe(["trace", "source", "model"], () => this.update());
  }

  update() {
    const { trace, model, source } = this.store.state;
    const subject = subjectOf(model);
    this.hint.hidden = trace !== null && source !== "upload";
    // Every live answer comes through here: what did not change is not written again.
    setText(this.hint, source === "upload" && trace ? "Showing your photo. Draw here to go back to drawing." : `Draw a ${subject} here`);
    if (this.pad) setAttr(this.pad, "aria-label", `Drawing pad: draw one ${subject} with the mouse, a finger or a pen`);
    if (!trace) {
      this.prediction.textContent = "?";
      this.prediction.dataset.label = "";
      this.guesses.textContent = `Draw a ${subject} to see its guess.`;
      this.section.hidden = true;
      return;
    }
    const names = model?.class_names ?? [];
    const name = (i) => names[i] ?? String(i);
    setText(this.prediction, trace.className ?? name(trace.label));
    this.prediction.dataset.label = String(trace.label);
    const [first, second] = topTwo(trace.probabilities);
    const from = FROM[source] ?? FROM.drawing;
    setText(this.guesses,
      `${percent(first.p)} sure it is ${name(first.index)} (from ${from}); ` +
      `second guess ${name(second.index)} at ${percent(second.p)}.`);
    this._steps(trace.preprocessing, source);
  }

  _steps(pre, source) {
    if (!pre) {
      this.section.hidden = true;
      return;
    }
    if (pre.steps.length === 0) {
      // Asked without steps (mid-stroke): keep the last ones shown, unless they were of the other source.
      this.section.hidden = this.stepsFrom !== source;
      return;
    }
    this.section.hidden = false;
    this.stepsFrom = source;
    // Reuse the step elements while drawing: only the pictures and captions change.
    const items = this.steps.children;
    pre.steps.forEach((step, i) => {
      let li = items[i];
      if (!li) {
        li = document.createElement("li");
        const label = document.createElement("span");
        label.className = "step-name";
        li.append(document.createElement("img"), label, document.createElement("span"));
        this.steps.append(li);
      }
      const [img, label, caption] = li.children;
      if (img.getAttribute("src") !== step.image) img.src = step.image; // a small PNG data: URL
      img.width = step.width;
      img.height = step.height;
      img.alt = `${step.name}: ${step.caption}`;
      label.textContent = step.name;
      caption.textContent = step.caption;
      li.dataset.step = step.name;
      li.title = step.caption;
    });
    while (items.length > pre.steps.length) items[items.length - 1].remove();
    const parts = [];
    if (pre.original_size) parts.push(`Original ${pre.original_size[0]}×${pre.original_size[1]} pixels`);
    if (pre.kind === "photo") parts.push("kept in colour as a photo, its middle cut out at the network's size");
    else parts.push(inkText(pre.inverted));
    if (pre.scale) parts.push(`scaled by ${Number(pre.scale).toPrecision(3)}`);
    if (pre.shift) parts.push(shiftText(pre.shift, pre.centre));
    this.note.textContent = `${parts.join("; ")}.`;
  }
}
