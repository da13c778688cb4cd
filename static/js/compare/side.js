// The second network of compare mode: the page's own rows (network.js), highlights
// (highlight.js) and trace decoding, driven by a store of its own so its model, trace and
// hover never mix with the first network's. Hidden layers, before/after views and large type
// are the page's: they are read from the main store and changed there.

import { Api } from "../api.js";
import { el } from "../dom.js";
import { ExplainPanel } from "../explain.js";
import { Highlighter } from "../highlight.js";
import { addKernelViews } from "../kernels.js";
import { wireKeyboard } from "../keyboard.js";
import { Latest } from "../latest.js";
import { NetworkView } from "../network.js";
import { PanelPlacement } from "../panel-place.js";
import { INITIAL, Store } from "../state.js";
import { decodeTrace, decodeWeights } from "../trace.js";

const SHARED = ["hidden", "views", "large"];

/** A store whose hide and before/after switches act on the page's own store. */
class SideStore extends Store {
  constructor(main) {
    super({ ...INITIAL, ...Object.fromEntries(SHARED.map((k) => [k, main.state[k]])) });
    this.main = main;
    main.subscribe(SHARED, (state) => this.set(Object.fromEntries(SHARED.map((k) => [k, state[k]]))));
  }

  toggleHidden(layer) {
    this.main.toggleHidden(layer);
  }

  setView(layer, view) {
    this.main.setView(layer, view);
  }
}

export class CompareSide {
  /**
   * host: the element the network is built in; main: the page's store; apiRoot: where the
   * API lives. onAnswer(trace) is called with each applied trace (null when cleared),
   * onError(message) with a sentence when an answer could not be had. detail: the page's
   * explain panel {panel, title, body, close}, shared with the first network; naming(): how
   * its title names this network ("The right network").
   */
  constructor(host, main, apiRoot, { onAnswer, onError, detail, naming }) {
    this.store = new SideStore(main);
    this.api = new Api(apiRoot); // its own: the labs' edits are for the first network only
    this.network = null;
    this.dropKernels = () => {};
    this.host = host;
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.svg.setAttribute("class", "trace-lines");
    this.svg.setAttribute("aria-hidden", "true");
    this.svg.setAttribute("focusable", "false");
    this.layers = el("div", "layers");
    this.tip = el("div", "unit-tip");
    this.tip.setAttribute("role", "presentation");
    this.tip.hidden = true;
    this.title = el("h2", "compare-network-title"); // where the second network starts, on a narrow screen
    const announce = el("p", "visually-hidden");
    announce.setAttribute("aria-live", "polite");
    host.append(this.title, this.svg, this.layers, this.tip, announce);
    this.network = new NetworkView(this.layers, this.store, { idPrefix: "compare-" });
    new Highlighter(this.store, this.network, { svg: this.svg, tip: this.tip, host });
    // One explain panel for the page: opening it on a unit of one network closes it on the other.
    main.subscribe(["explainOpen"], (state) => state.explainOpen && this.store.state.explainOpen && this.store.set({ explainOpen: false }));
    this.store.subscribe(["explainOpen"], (state) => state.explainOpen && main.state.explainOpen && main.set({ explainOpen: false }));
    new ExplainPanel(detail, this.store, this.api, { naming });
    new PanelPlacement(detail.panel, this.store, this.network);
    // Arrow keys walk this network's units as they do the first's; the pad's undo is the first's alone.
    wireKeyboard({ container: host, announce }, this.store, this.network, { undo() {} });
    this.predictions = new Latest(
      (json) => {
        const { model, weights } = this.store.state;
        const trace = decodeTrace(json, model, weights);
        this.store.set({ trace });
        onAnswer(trace);
      },
      (err) => onError(err.message),
    );
  }

  get model() {
    return this.store.state.model;
  }

  /** Build the rows for model `id`; resolves with the model (GET /api/models/{id}), throws an ApiError. */
  async load(id) {
    this.predictions.drop();
    this.store.set({ modelId: id, model: null, weights: null, trace: null, hover: null, selection: null });
    const model = await this.api.model(id);
    if (this.store.state.modelId !== id) return null;
    this.store.set({ model });
    this.network.build(model);
    this.dropKernels();
    this.dropKernels = addKernelViews(this.network, this.store); // the two sets of kernels can be set side by side
    // The weights let a compact answer be made whole and dense lines go to the strongest inputs.
    this.api.weights(id).then(
      (json) => {
        if (this.store.state.modelId === id) this.store.set({ weights: decodeWeights(json) });
      },
      () => {}, // without them the answers come whole and dense lines go to every input
    );
    return model;
  }

  /** Ask for the answer to these prepared input bytes (the latest wins). */
  ask(bytes) {
    const { model, weights } = this.store.state;
    if (!model) return;
    const detail = weights ? "compact" : "full";
    this.predictions.push(undefined, (signal) => this.api.predictPixels(model.id, bytes, signal, false, detail));
  }

  clear() {
    this.predictions.drop();
    this.store.set({ trace: null, hover: null, selection: null });
    this.network.paint();
  }

  close() {
    this.predictions.drop();
    this.store.set({ modelId: null, model: null, weights: null, trace: null, hover: null, selection: null });
    this.dropKernels();
    this.dropKernels = () => {};
    this.layers.replaceChildren();
    this.network.rows.clear();
  }
}
