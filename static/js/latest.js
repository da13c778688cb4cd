// At most one request in flight, the latest one wins. No DOM.
//
// push(key, start) asks for a request; start() is called only when the request is really
// sent, so it reads the newest drawing at that moment. While one is in flight, newer pushes
// replace each other and the last one goes out as soon as the first answers. Answers are
// applied in order (one in flight keeps them ordered); drop() forgets what is pending and
// ignores what is in flight, for when the page moves on (the pad cleared, a photo arrives).

export class Latest {
  /**
   * apply(result, key) receives each answer; fail(error, key) each failure.
   */
  constructor(apply, fail) {
    this.apply = apply;
    this.fail = fail;
    this.pending = null; // {key, start}
    this.inFlight = null; // {key, generation}
    this.generation = 0;
    this.sent = 0;
  }

  /** Ask for a request; `key` (e.g. the drawing's version) skips a duplicate of the one in flight. */
  push(key, start) {
    if (this.inFlight && !this.pending && key !== undefined && key === this.inFlight.key) return;
    this.pending = { key, start };
    if (!this.inFlight) this._next();
  }

  /** Forget the pending request and ignore the answer to the one in flight. */
  drop() {
    this.pending = null;
    this.generation++;
  }

  get busy() {
    return this.inFlight !== null;
  }

  _next() {
    const job = this.pending;
    this.pending = null;
    if (!job) return;
    const generation = this.generation;
    this.inFlight = { key: job.key, generation };
    this.sent++;
    let promise;
    try {
      promise = Promise.resolve(job.start());
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise
      .then(
        (result) => {
          if (generation !== this.generation) return;
          try {
            this.apply(result, job.key);
          } catch (err) {
            this.fail(err, job.key);
          }
        },
        (err) => {
          if (generation === this.generation) this.fail(err, job.key);
        },
      )
      .finally(() => {
        this.inFlight = null;
        this._next();
      });
  }
}
