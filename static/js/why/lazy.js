// A view that asks the server only while someone can see it: the why cards sit below the
// network, and a student drawing at the top of the page should not pay for a saliency map
// or an adversary per stroke update. Changes made while a card is out of view mark it stale;
// it catches up as soon as it scrolls into view. While in view, changes that come quickly one
// after another (a stroke being drawn, a slider dragged) make one request when they rest.

export class LazyRefresh {
  /** refresh() does the work; delayMs is how long changes must rest before it runs. */
  constructor(container, refresh, delayMs = 120) {
    Object.assign(this, { refresh, delayMs });
    this.visible = false;
    this.stale = false;
    this.timer = null;
    if (typeof IntersectionObserver === "undefined") {
      this.visible = true; // nothing tells us otherwise: behave as if in view
      return;
    }
    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible && this.stale) this.schedule();
    }, { rootMargin: "200px" }).observe(container);
  }

  schedule() {
    this.stale = true;
    if (!this.visible) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.stale = false;
      this.refresh();
    }, this.delayMs);
  }
}
