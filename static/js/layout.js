// Fitting the network to the screen. Once per resize (and when the model, hidden layers,
// large type or overview change) it measures the space below the top bar and picks the
// largest scale of the maps at which every row fits: on a projector the whole network shows
// without scrolling and the maps grow with the screen. It never runs when the explain panel
// opens, so nothing moves under the pointer.

const MAX_SCALE = 3;
const OVERVIEW_MIN = 0.2; // below this a map is a blur: let the page scroll instead
const NARROW = 760; // px of viewport: one column, maps at their plain size, the page scrolls

/**
 * The largest k in [lo, hi] with fits(k), by bisection (fits is monotone: bigger maps never
 * take less room); null when not even lo fits.
 */
export function largestFitting(fits, lo, hi, steps = 8) {
  if (!fits(lo)) return null;
  if (fits(hi)) return hi;
  for (let i = 0; i < steps; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The scale to use. overview: the whole network on the screen, as large as fits; otherwise
 * maps at least `base` (their plain size, more with large type), larger while all rows fit.
 */
export function chooseScale(fits, { overview, base, narrow }) {
  if (narrow) return base;
  // Each layer's maps on one line if that can be had; wrapped lines only for large models.
  const fitsInLines = (k) => fits(k, true);
  const fitsWrapped = (k) => fits(k, false);
  if (overview) {
    return largestFitting(fitsInLines, OVERVIEW_MIN, MAX_SCALE) ?? largestFitting(fitsWrapped, OVERVIEW_MIN, MAX_SCALE) ?? OVERVIEW_MIN;
  }
  return largestFitting(fitsInLines, base, MAX_SCALE * base) ?? base;
}

export class NetworkLayout {
  /** layers: the element holding the rows; network: NetworkView (setScale). */
  constructor({ layers, button }, store, network) {
    Object.assign(this, { layers, store, network });
    this.scale = 1;
    // On the next frame after a change of view; after a resize, once the window has stopped
    // changing size for a moment, not on every step of a drag. A new model's rows are fitted
    // by the caller right after they are built, before the page says it is ready.
    let timer = 0;
    const soon = () => requestAnimationFrame(() => this.fit());
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(soon, 120);
    });
    store.subscribe(["hidden", "large", "overview"], soon);
    store.subscribe(["overview"], () => this._showMode());
    button.addEventListener("click", () => store.set({ overview: !store.state.overview }));
    this.button = button;
    this._showMode();
  }

  _showMode() {
    const on = Boolean(this.store.state.overview);
    document.documentElement.classList.toggle("overview", on);
    this.button.setAttribute("aria-pressed", String(on));
  }

  /**
   * At scale k: rows inside the viewport (the page at its top), no sideways scrolling, and
   * (with oneLine) every layer's maps on a single line.
   */
  _fits(k, oneLine) {
    this.network.setScale(k);
    // Scales that round to the same whole-pixel cells lay out the same: measure each once.
    const key = `${oneLine} ${[...this.network.rows.values()].map((row) => row.view.cell ?? "").join()}`;
    if (!this.measured.has(key)) this.measured.set(key, this._measure(oneLine));
    return this.measured.get(key);
  }

  _measure(oneLine) {
    const root = document.documentElement;
    const bottom = this.layers.getBoundingClientRect().bottom + window.scrollY;
    if (bottom > window.innerHeight - 8 || root.scrollWidth > root.clientWidth) return false;
    if (!oneLine) return true;
    for (const row of this.network.rows.values()) {
      const maps = row.view.maps;
      if (maps?.length > 1 && maps.at(-1).offsetTop !== maps[0].offsetTop) return false;
    }
    return true;
  }

  fit() {
    if (this.network.rows.size === 0) return;
    const { overview, large } = this.store.state;
    const base = large ? 1.6 : 1;
    const narrow = window.innerWidth < NARROW;
    const start = performance.now();
    this.measured = new Map();
    this.scale = chooseScale((k, oneLine) => this._fits(k, oneLine), { overview, base, narrow });
    this.network.setScale(this.scale);
    const ms = performance.now() - start;
    this.layers.dataset.scale = this.scale.toFixed(3);
    document.dispatchEvent(new CustomEvent("cnnvis:layout", { detail: { scale: this.scale, ms } }));
  }
}
