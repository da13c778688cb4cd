// At most one request in flight, the latest one wins. No DOM.
//
// push(key, start) asks for a request; start(signal) is called only when the request is
// really sent, so it reads the newest drawing at that moment. While one is in flight, newer
// pushes replace each other and the last one goes out as soon as the first answers. Answers
// are applied in order (one in flight keeps them ordered).
// preempt(key, start) is for the end of a stroke: an answer to an older drawing is no longer
// worth waiting for, so the request in flight is aborted and the final one goes out at once.
// drop() aborts what is in flight and forgets what is pending (the pad cleared, a photo came).
// A job may carry a `tag` (what it is for, e.g. {source: "upload"}); it is handed back to
// apply and fail with that job's own answer, so nothing about a job is read from elsewhere.

export class Latest {
  /** apply(result, key, tag) receives each answer; fail(error, key, tag) each failure. */
  constructor(apply, fail) {
    this.apply = apply;
    this.fail = fail;
    this.pending = null; // {key, start, tag}
    this.inFlight = null; // {key, tag, cancelled, controller}
    this.sent = 0;
    this.aborted = 0;
  }

  /** Ask for a request; `key` (e.g. the drawing's version) skips a duplicate of the one in flight. */
  push(key, start, tag) {
    if (this.inFlight && !this.pending && key !== undefined && key === this.inFlight.key) return;
    this.pending = { key, start, tag };
    if (!this.inFlight) this._next();
  }

  /** Send this one now: abort the request in flight unless it already is for `key`. */
  preempt(key, start, tag) {
    if (this.inFlight && key !== undefined && key === this.inFlight.key) {
      this.pending = null;
      return;
    }
    this.pending = { key, start, tag };
    this._abort();
    this._next();
  }

  /** Forget the pending request and abort the one in flight; its answer is never applied. */
  drop() {
    this.pending = null;
    this._abort();
  }

  get busy() {
    return this.inFlight !== null;
  }

  /** The key of the request in flight (undefined when none is). */
  get inFlightKey() {
    return this.inFlight?.key;
  }

  _abort() {
    if (!this.inFlight) return;
    this.inFlight.cancelled = true;
    this.inFlight.controller?.abort();
    this.inFlight = null;
    this.aborted++;
  }

  _next() {
    const job = this.pending;
    this.pending = null;
    if (!job) return;
    const record = {
      key: job.key,
      tag: job.tag,
      cancelled: false,
      controller: typeof AbortController === "function" ? new AbortController() : null,
    };
    this.inFlight = record;
    this.sent++;
    let promise;
    try {
      promise = Promise.resolve(job.start(record.controller?.signal));
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise
      .then(
        (result) => {
          if (record.cancelled) return;
          try {
            this.apply(result, job.key, job.tag);
          } catch (err) {
            this.fail(err, job.key, job.tag);
          }
        },
        (err) => {
          if (!record.cancelled) this.fail(err, job.key, job.tag);
        },
      )
      .finally(() => {
        if (this.inFlight !== record) return; // cancelled: its successor is already running
        this.inFlight = null;
        this._next();
      });
  }
}
