// Colour inks for the drawing pad, offered when the model's input has three channels (R, G
// and B) and it reads pictures as photos: a few pure colours, so each one lights its own input
// maps. A model that reads drawings (digits, clothes) sees only the grey of any ink, repeated
// in every channel, and pure blue is too faint a grey to count as ink there; so for those the
// palette goes away and the pen is white again.

import { el } from "./dom.js";

export const INKS = [
  { name: "White", colour: "#ffffff" },
  { name: "Red", colour: "#ff0000" },
  { name: "Yellow", colour: "#ffff00" },
  { name: "Green", colour: "#00ff00" },
  { name: "Cyan", colour: "#00ffff" },
  { name: "Blue", colour: "#0000ff" },
  { name: "Magenta", colour: "#ff00ff" },
];

export class InkPalette {
  constructor(toolbar, pad, store) {
    this.pad = pad;
    this.group = el("div", "ink-palette");
    this.group.setAttribute("role", "group");
    this.group.setAttribute("aria-label", "Ink colour");
    this.group.hidden = true;
    this.buttons = INKS.map(({ name, colour }) => {
      const button = el("button", "ink-swatch");
      button.type = "button";
      button.dataset.ink = colour;
      button.style.setProperty("--ink", colour);
      button.setAttribute("aria-label", `${name} ink`);
      button.title = `${name} ink`;
      button.addEventListener("click", () => {
        this.pick(colour);
        document.getElementById("tool-pen")?.click(); // the pen, not the eraser, draws in the ink picked
      });
      this.group.append(button);
      return button;
    });
    toolbar.append(this.group);
    store.subscribe(["model"], ({ model }) => this.offer(model?.input_shape?.[0] === 3 && model.preparation?.kind === "photo"));
    this.pick(pad.ink);
  }

  /** Show the palette for a colour photo model; for any other, hide it and go back to white. */
  offer(colour) {
    this.group.hidden = !colour;
    if (!colour) this.pick(INKS[0].colour);
  }

  pick(colour) {
    this.pad.ink = colour;
    for (const b of this.buttons) b.setAttribute("aria-pressed", String(b.dataset.ink === colour));
  }
}
