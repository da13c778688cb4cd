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

// The job this tab follows, kept for the tab's life (sessionStorage), so a reload or a page
// opened again in the same tab picks the job up where it is: the server replays its events.
const KEPT_JOB = "cnnvis.train.job";
const LOST = "The connection to the server was lost: reload the page to follow your training again.";

function keptJob() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEPT_JOB));
    return typeof kept?.job === "string" && /^j-[0-9a-f]{12}$/.test(kept.job) ? kept : null;
  } catch {
    return null; // storage refused (a private window) or not ours: nothing to resume
  }
}

function keepJob(kept) {
  try {
    if (kept) sessionStorage.setItem(KEPT_JOB, JSON.stringify(kept));
    else sessionStorage.removeItem(KEPT_JOB);
  } catch {
    // storage refused: the job still runs, the tab just cannot find it again after a reload
  }
}

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
    this.startButton = root.querySelector("[data-train-start]");
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

  /** Train is pressed once per job: a second press would start another job behind this one, and
   * leave this one running with nobody following it or able to stop it. Stop comes first. */
  busy(yes) {
    this.startButton.disabled = yes;
  }

  async start() {
    if (this.startButton.disabled) return; // a job is being started or followed (Enter in a field submits too)
    this.busy(true);
    this.source?.close();
    this.curves.reset(1);
    this.results.hide();
    this.left.textContent = "";
    this.say("Asking the server to train…", "starting");
    const response = await fetch(`${this.apiRoot}/train`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(this.body()),
    }).catch(() => null);
    if (!response) {
      this.busy(false);
      this.say("The server could not be reached: check the connection, then press Train again.", "failed");
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status !== 202) {
      this.busy(false);
      this.say(answer.detail || "The server could not start the training.", "failed");
      return;
    }
    this.name = this.body().name || "My network";
    this.retried = false;
    keepJob({ job: answer.job, name: this.name });
    this.follow(answer.job);
  }

  /** Follow again the job this tab started before a reload, if there is one. */
  resume() {
    const kept = keptJob();
    if (!kept || this.source) return undefined;
    this.name = kept.name || "My network";
    this.say("Finding the training you started…", "starting");
    return this.findAgain(kept.job);
  }

  /** Ask the server whether it still knows `job`: follow it if so (its events again from the
   * start), else say in words that it is gone. Never on a page being left: the request dies with it. */
  async findAgain(job) {
    const response = await fetch(`${this.apiRoot}/train/${job}`).catch(() => null);
    if (this.source) return; // a new job began meanwhile
    if (!response) {
      // No network: the job stays kept, and the next load looks for it again.
      this.busy(false);
      this.say(LOST, "failed");
      return;
    }
    if (response.ok) {
      this.follow(job);
      return;
    }
    keepJob(null);
    this.busy(false);
    this.stopButton.disabled = true;
    this.left.textContent = "";
    this.say("The server no longer knows the training you started: it ended more than 15 minutes " +
      "ago, or the server was restarted. A model it finished is in the model list.", "failed");
  }

  follow(job) {
    this.job = job;
    this.busy(true);
    this.stopButton.disabled = false;
    this.curves.reset(1); // the server sends every event from the start
    // EventSource reconnects by itself and sends Last-Event-ID, so a flaky network resumes.
    const source = new EventSource(`${this.apiRoot}/train/${job}/events`);
    this.source = source;
    const on = (name, fn) => source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
    source.addEventListener("open", () => {
      this.retried = false; // a stream that opened again may be looked up again if it drops later
    });
    source.addEventListener("error", () => {
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (the server refused the
      // stream, or the page is being left): ask the server about the job, once, a moment later.
      if (source.readyState !== EventSource.CLOSED || this.source !== source) return;
      this.source = null;
      if (this.retried) {
        this.busy(false);
        this.say(LOST, "failed");
        return;
      }
      this.retried = true;
      setTimeout(() => this.findAgain(job), 2000);
    });
    on("queued", (d) => this.say(d.position ? `Waiting: number ${d.position} in the queue, about ${d.seconds_to_start} s.` : "Starting…", "queued"));
    on("started", (d) => {
      this.say(`Training on ${d.images} images…`, "running");
      if (d.live) this.onLive?.(d.live, this.name);
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
      this.source = null;
      keepJob(null);
      this.busy(false);
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
