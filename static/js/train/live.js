// Watching a model learn: the job's snapshots (GET /api/models/<job>@live, replaced about once a
// second by the trainer) shown in the page's own network view. No DOM here: the page hands in
// how to show a model and how to refresh it; this keeps one refresh in flight at a time and
// folds the snapshots that arrive meanwhile into one more.

export const isLive = (id) => typeof id === "string" && id.endsWith("@live");

export class LiveWatch {
  /**
   * show(id): switch the network view to the live model (resolves when it is shown);
   * refresh(id): fetch its newest weights and trace the current input again (resolves when done).
   */
  constructor({ show, refresh }) {
    this.show = show;
    this.refresh = refresh;
    this.id = null;
    this.busy = null; // the promise of the refresh (or first show) in flight
    this.again = false;
    this.seen = 0; // the newest snapshot number asked for
  }

  /** A job started: its live model becomes the one shown. */
  async start(id) {
    this.id = id;
    this.seen = 0;
    this.busy = Promise.resolve(this.show(id)).catch(() => {});
    await this.busy;
    this.busy = null;
    if (this.again) this.snapshot(this.seen + 1);
  }

  /** A progress event said the trainer kept snapshot number `n`. */
  snapshot(n) {
    if (!this.id || n <= this.seen) return;
    this.seen = n;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.again = false;
    const id = this.id;
    this.busy = Promise.resolve(this.refresh(id))
      .catch(() => {})
      .finally(() => {
        this.busy = null;
        if (this.again && this.id === id) {
          this.again = false;
          this.seen -= 1; // let the newest one through
          this.snapshot(this.seen + 1);
        }
      });
  }

  /** The job ended: stop following it. */
  stop() {
    this.id = null;
    this.again = false;
  }
}
