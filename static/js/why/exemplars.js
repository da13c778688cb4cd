// What a unit looks for: when a unit is selected, the 9 test pictures that excite its channel
// most, each cropped to what that unit sees.

import { el } from "../dom.js";
import { NO_TEST_SET, cropBytes, hasExemplars, hasTestSet, pictureRgba, putRgba } from "./paint.js";

const PROMPT = "Select a unit of the network to see the test pictures that excite it most.";

export class ExemplarsView {
  constructor(container, store, api, samples) {
    Object.assign(this, { container, store, api, samples });
    this.note = el("p", "why-note", PROMPT);
    this.grid = el("div", "why-exemplars");
    this.grid.dataset.testid = "exemplars";
    this.container.append(this.note, this.grid);
    store.subscribe(["selection", "modelId"], () => this.refresh());
  }

  async refresh() {
    const { selection, modelId } = this.store.state;
    this.grid.replaceChildren();
    // Every path says what the card shows now: a sentence about the last model or unit would
    // stay under pictures that are gone (or, back on a digits model, say it has no test set).
    if (!selection || selection.layer === "input") {
      this.note.textContent = PROMPT;
      return;
    }
    if (!hasTestSet(this.store.state.model)) {
      this.note.textContent = NO_TEST_SET;
      return;
    }
    if (!hasExemplars(this.store.state.model, selection.layer)) {
      this.note.textContent = `${selection.layer} gathers no test pictures of its own: select a unit of a convolution, ` +
        "pooling or dense layer to see the test pictures that excite it most.";
      return;
    }
    const where = selection.index !== undefined ? `index=${selection.index}` : `channel=${selection.channel}`;
    this.note.textContent = "Finding the test pictures that excite this unit most…";
    try {
      const answer = await this.api.request(
        `/models/${encodeURIComponent(modelId)}/exemplars?layer=${encodeURIComponent(selection.layer)}&${where}`);
      if (this.store.state.selection !== selection) return;
      const unit = selection.index !== undefined ? `unit ${selection.index}` : `map ${selection.channel}`;
      this.note.textContent = `The 9 test pictures that excite ${selection.layer} ${unit} most, cropped to what it sees; ` +
        "strongest first. Under each, the unit's largest value on it.";
      this.grid.replaceChildren(...answer.items.map((item) => this.tile(modelId, item)));
    } catch (err) {
      if (this.store.state.selection === selection) this.note.textContent = err.message;
    }
  }

  tile(modelId, item) {
    const figure = el("figure", "why-exemplar");
    const canvas = el("canvas", "why-thumb");
    figure.append(canvas, el("figcaption", null, item.activation.toFixed(2)));
    figure.dataset.sample = String(item.sample);
    this.samples.get(modelId, item.sample).then((s) => {
      const [c, h, w] = s.shape;
      const crop = cropBytes(s.bytes, c, h, w, item.box);
      putRgba(canvas, pictureRgba(crop.bytes, c, crop.h, crop.w), crop.h, crop.w);
    }).catch(() => {});
    return figure;
  }
}
