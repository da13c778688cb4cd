// The Train panel: a recipe form, Train and Stop, curves and words while the job runs, and the
// new model handed to the page's picker when it is done. Talks to /api/train (docs/api.md).

import { Curves } from "./curves.js";
import { TrainResults } from "./results.js";

/** 75 -> "1 min 15 s"; 8.4 -> "8 s". */
export function timeLeft(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

export class TrainPanel {
  /**
   * onLive(liveId, name): the job started, its model as it learns is `liveId`;
   * onSnapshot(n): the trainer kept snapshot n of it; onEnd(): it ended without a model;
   * onModel(id, name): it ended with this model.
   */
  constructor(root, { apiRoot = "/api", onModel, onLive, onSnapshot, onEnd }) {
    this.root = root;
    this.apiRoot = apiRoot;
    this.onModel = onModel;
    this.onLive = onLive;
    this.onSnapshot = onSnapshot;
    this.onEnd = onEnd;
    this.results = new TrainResults(root, { apiRoot });
    this.left = root.querySelector("[data-train-left]");
    this.form = root.querySelector("form");
    this.status = root.querySelector("[data-train-status]");
    this.stopButton = root.querySelector("[data-train-stop]");
    this.curves = new Curves(root.querySelector("canvas"));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.start();
    });
    this.stopButton.addEventListener("click", () => this.stop());
  }

  body() {
    const f = new FormData(this.form);
    const num = (k) => Number(f.get(k));
    return {
      dataset: f.get("dataset"), name: f.get("name") || "", epochs: num("epochs"), limit: num("limit"),
      lr: num("lr"), optimizer: f.get("optimizer"), activation: f.get("activation"), pool: f.get("pool"),
      augment: f.get("augment") === "on", batch_size: num("batch_size"),
      conv1_filters: num("conv1_filters"), conv1_kernel: num("conv1_kernel"),
      conv2_filters: num("conv2_filters"), conv2_kernel: num("conv2_kernel"),
      dropout: num("dropout"), batchnorm: f.get("batchnorm") === "on",
    };
  }

  say(text, state) {
    this.status.textContent = text;
    this.root.dataset.state = state;
  }

  async start() {
    this.source?.close();
    this.curves.reset(1);
    this.results.hide();
    this.left.textContent = "";
    this.say("Asking the server to train…", "starting");
    const response = await fetch(`${this.apiRoot}/train`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(this.body()),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status !== 202) {
      this.say(answer.detail || "The server could not start the training.", "failed");
      return;
    }
    this.job = answer.job;
    this.stopButton.disabled = false;
    this.follow(answer.job);
  }

  follow(job) {
    // EventSource reconnects by itself and sends Last-Event-ID, so a flaky network resumes.
    const source = new EventSource(`${this.apiRoot}/train/${job}/events`);
    this.source = source;
    const on = (name, fn) => source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
    on("queued", (d) => this.say(d.position ? `Waiting: number ${d.position} in the queue, about ${d.seconds_to_start} s.` : "Starting…", "queued"));
    on("started", (d) => {
      this.say(`Training on ${d.images} images…`, "running");
      if (d.live) this.onLive?.(d.live, this.body().name || "My network");
    });
    on("progress", (d) => {
      this.curves.add(d);
      this.left.textContent = `About ${timeLeft(d.seconds_left)} left`;
      if (d.snapshot) this.onSnapshot?.(d.snapshot);
      this.say(`Epoch ${d.epoch}, step ${d.step} of ${d.steps}: loss ${d.loss.toFixed(3)}, ` +
        `training ${pct(d.train_accuracy)}, held out ${pct(d.val_accuracy)}.`, "running");
    });
    on("finishing", () => {
      this.left.textContent = "";
      this.say("Trained. Finding the test images each unit responds to most…", "finishing");
    });
    const end = (text, state) => {
      source.close();
      this.stopButton.disabled = true;
      this.left.textContent = "";
      this.say(text, state);
    };
    on("done", (d) => {
      end(`Done: ${d.name} scores ${pct(d.val_accuracy)} on held-out images. It is now in the model list.`, "done");
      this.results.show(d.model, d.name);
      this.onModel?.(d.model, d.name);
    });
    on("failed", (d) => {
      end(`The training failed: ${d.reason}`, "failed");
      this.onEnd?.();
    });
    on("stopped", (d) => {
      end(d.reason, "stopped");
      this.onEnd?.();
    });
  }

  async stop() {
    if (!this.job) return;
    this.stopButton.disabled = true;
    await fetch(`${this.apiRoot}/train/${this.job}`, { method: "DELETE" });
  }
}
