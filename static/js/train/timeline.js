// The checkpoint timeline: for a model whose training was kept (GET /api/models/{id}/checkpoints),
// a slider from epoch 0 to the finished model. Moving it shows the current input traced through
// the network as it was at that checkpoint, in the page's own network view: the kernels go from
// noise to strokes, the answer from a guess to certainty. Its position is the store's `epoch`
// (null: the finished model), which the address carries (state.js, PROPS).

/** "mnist@epoch5" -> "mnist"; any other id is its own base. */
export const baseOf = (id) => (typeof id === "string" ? id.replace(/@epoch\d+$/, "") : id);

const pct = (v) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : null);

export class Timeline {
  /** showModel(id) shows a model in the network view, keeping the input shown. */
  constructor(root, store, { apiRoot = "/api", showModel }) {
    this.root = root;
    this.store = store;
    this.apiRoot = apiRoot;
    this.showModel = showModel;
    this.slider = root.querySelector("input[type=range]");
    this.label = root.querySelector("[data-timeline-label]");
    this.base = null;
    this.checkpoints = null; // [{id, epoch, test_accuracy}] of this.base, once fetched
    this.slider.addEventListener("input", () => {
      const at = Number(this.slider.value);
      const checkpoint = this.checkpoints?.[at];
      this.store.set({ epoch: checkpoint ? checkpoint.epoch : null });
    });
    // After the model's rows are built (its store key `model` is set first): the next task.
    store.subscribe(["model"], () => setTimeout(() => this.modelShown(), 0));
    store.subscribe(["epoch"], () => this.apply());
  }

  async modelShown() {
    const id = this.store.state.modelId;
    if (!this.store.state.model || !id) return;
    const base = baseOf(id);
    if (base === this.base) return this.apply();
    if (this.base !== null) this.store.set({ epoch: null }); // another model: its own timeline
    this.base = base;
    this.checkpoints = null;
    this.root.hidden = true;
    let listed = [];
    try {
      const response = await fetch(`${this.apiRoot}/models/${encodeURIComponent(base)}/checkpoints`);
      if (response.ok) listed = (await response.json()).checkpoints ?? [];
    } catch {
      listed = []; // no timeline, the rest of the page works
    }
    if (this.base !== base) return;
    this.checkpoints = listed;
    if (listed.length === 0) {
      if (this.store.state.epoch !== null) this.store.set({ epoch: null });
      return;
    }
    this.slider.max = String(listed.length); // the last position: the finished model
    this.root.hidden = false;
    this.apply();
  }

  /** The position the store asks for -> the slider, its words and the model shown. */
  apply() {
    if (!this.checkpoints?.length) return;
    const { epoch } = this.store.state;
    let at = this.checkpoints.findIndex((c) => c.epoch === epoch);
    if (epoch !== null && at < 0) return this.store.set({ epoch: null }); // an epoch it does not have
    if (epoch === null) at = this.checkpoints.length;
    this.slider.value = String(at);
    const checkpoint = this.checkpoints[at];
    const accuracy = checkpoint ? pct(checkpoint.test_accuracy) : null;
    const words = checkpoint
      ? `After ${checkpoint.epoch} ${checkpoint.epoch === 1 ? "epoch" : "epochs"} of training` +
        (checkpoint.epoch === 0 ? " (its random start)" : "") + (accuracy ? `: ${accuracy} right on the test set` : "")
      : "The finished model";
    this.label.textContent = words;
    this.slider.setAttribute("aria-valuetext", words);
    this.root.dataset.epoch = checkpoint ? String(checkpoint.epoch) : "final";
    const wanted = checkpoint ? checkpoint.id : this.base;
    if (this.store.state.modelId !== wanted) this.showModel(wanted);
  }
}
