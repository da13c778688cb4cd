// Where it goes wrong: the confusion matrix of the model on its whole test set as a grid of
// cells (rows the true class, columns the answer); a cell opens a gallery of its test pictures,
// and a picture loads into the visualizer with its true label shown beside the answer.

import { el } from "../dom.js";
import { cssColour, inkFor } from "../colormap.js";
import { NO_TEST_SET, hasTestSet, pictureRgba, putRgba } from "./paint.js";

/** "1 picture", "12 pictures", "10,000 pictures": counts as a sentence says them. */
const pictures = (n) => `${n.toLocaleString("en-GB")} picture${n === 1 ? "" : "s"}`;

export class MistakesView {
  constructor(container, store, api, samples, { loadPicture, trueLabel }) {
    Object.assign(this, { container, store, api, samples, loadPicture, trueLabel });
    this.summary = el("p", "why-note");
    this.grid = el("div", "why-confusion");
    this.grid.dataset.testid = "confusion";
    this.gallery = el("div", "why-gallery");
    this.gallery.dataset.testid = "gallery";
    this.container.append(this.summary, this.grid, this.gallery);
    this.shown = null; // {bytes, label} of a test picture loaded into the visualizer
    store.subscribe(["model"], () => this.load());
    store.subscribe(["trace"], () => this.showTrueLabel());
    this.load();
  }

  async load() {
    const modelId = this.store.state.model?.id;
    this.grid.replaceChildren();
    this.gallery.replaceChildren();
    if (!modelId) return;
    if (!hasTestSet(this.store.state.model)) {
      this.summary.textContent = NO_TEST_SET;
      return;
    }
    this.summary.textContent = "Counting the network's answers on its test set…";
    try {
      const confusion = await this.api.request(`/models/${encodeURIComponent(modelId)}/confusion`);
      if (this.store.state.model?.id === modelId) this.draw(confusion, modelId);
    } catch (err) {
      this.summary.textContent = err.message;
    }
  }

  draw({ n, accuracy, matrix }, modelId) {
    const names = this.store.state.model?.class_names ?? matrix.map((_, i) => String(i));
    const wrong = Math.max(1, ...matrix.flatMap((row, t) => row.filter((_, p) => p !== t)));
    const scale = { kind: "sequential", lo: 0, hi: Math.log1p(wrong) };
    this.summary.textContent =
      `${(accuracy * 100).toFixed(2)}% of ${n.toLocaleString("en-GB")} test pictures right. Rows: the true class; columns: the answer. Click a cell to see its pictures.`;
    const k = matrix.length;
    // min-content: a column is never narrower than its longest count (an auto column may be).
    this.grid.style.gridTemplateColumns = `repeat(${k + 1}, minmax(min-content, auto))`;
    const column = (name) => Object.assign(el("span", "why-axis", name), { title: name });
    this.grid.append(el("span", "why-axis why-row-head", "true \\ said"), ...names.map(column));
    matrix.forEach((row, t) => {
      this.grid.append(el("span", "why-axis why-row-head", names[t]));
      row.forEach((count, p) => {
        const cell = el("button", "why-cell", String(count));
        cell.type = "button";
        Object.assign(cell.dataset, { true: String(t), predicted: String(p) });
        cell.setAttribute("aria-label", `${pictures(count)} of ${names[t]} answered ${names[p]}`);
        if (t === p) cell.classList.add("why-diagonal");
        else Object.assign(cell.style, { background: cssColour(Math.log1p(count), scale), color: inkFor(Math.log1p(count), scale) });
        cell.addEventListener("click", () => this.openCell(modelId, t, p, names));
        this.grid.append(cell);
      });
    });
  }

  async openCell(modelId, t, p, names) {
    this.gallery.replaceChildren(el("p", "why-note", "Loading the pictures…"));
    try {
      const cell = await this.api.request(`/models/${encodeURIComponent(modelId)}/confusion/${t}/${p}`);
      const heading = el("p", "why-note",
        `${pictures(cell.count)} of ${names[t]} answered ${names[p]}${cell.count > cell.items.length ? ` (the first ${cell.items.length})` : ""}.`);
      const tiles = cell.items.map((item) => this.tile(modelId, item, names));
      this.gallery.replaceChildren(heading, ...tiles);
    } catch (err) {
      this.gallery.replaceChildren(el("p", "why-note", err.message));
    }
  }

  tile(modelId, item, names) {
    const button = el("button", "why-tile");
    button.type = "button";
    button.dataset.sample = String(item.sample);
    button.setAttribute("aria-label", `Test picture ${item.sample}: a ${names[item.label]}, answered ${names[item.predicted]} (${Math.round(item.confidence * 100)}%)`);
    const canvas = el("canvas", "why-thumb");
    button.append(canvas, el("span", "why-tile-text", `${names[item.predicted]} ${Math.round(item.confidence * 100)}%`));
    this.samples.get(modelId, item.sample).then((s) => {
      const [c, h, w] = s.shape;
      putRgba(canvas, pictureRgba(s.bytes, c, h, w), h, w);
    }).catch(() => {});
    button.addEventListener("click", async () => {
      const s = await this.samples.get(modelId, item.sample);
      this.shown = { bytes: s.bytes, label: s.label, name: names[s.label] };
      this.loadPicture(s.bytes);
    });
    return button;
  }

  /** The true label beside the answer while the shown input is the test picture that was loaded. */
  showTrueLabel() {
    const bytes = this.store.state.trace?.input?.bytes;
    const same = this.shown && bytes && bytes.length === this.shown.bytes.length && bytes.every((v, i) => v === this.shown.bytes[i]);
    this.trueLabel.hidden = !same;
    this.trueLabel.textContent = same ? `True label: ${this.shown.name}` : "";
    this.trueLabel.dataset.label = same ? String(this.shown.label) : "";
  }
}
