// One lab request in flight at a time. A slider fires `input` up to 60 times a second, far
// faster than an answer comes back; asking again on every move would abort each request
// before it is answered, so nothing would be shown until the student let go. The gate sends
// the first move at once, folds the moves made while it is in flight into one, and sends that
// (reading the newest settings) when the answer lands. No DOM, so node --test can check it.

export class Gate {
  /**
   * send() asks the server (its answer is reported back through settled()); waitMs frees the
   * gate if no answer is reported, so a request the page dropped cannot hold it shut.
   */
  constructor(send, { waitMs = 3000, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id) } = {}) {
    this.send = send;
    this.waitMs = waitMs;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.busy = false;
    this.folded = false; // a move made while busy, not yet sent
    this.timer = null;
  }

  /** A setting changed: send now, or once the answer in flight lands. */
  ask() {
    if (this.busy) {
      this.folded = true;
      return;
    }
    this.busy = true;
    this.timer = this.setTimer(() => this.settled(), this.waitMs);
    this.send();
  }

  /** An answer (or a failure) was shown: send the folded moves, if any. */
  settled() {
    if (!this.busy) return;
    this.clearTimer(this.timer);
    this.busy = false;
    if (this.folded) {
      this.folded = false;
      this.ask();
    }
  }
}
