// Where the explain panel opens. It is an overlay, so the network never re-flows under the
// pointer: on the side of the window away from the selected unit and what it reads (over
// the input column when that is free), or on a phone as a sheet along the bottom with the
// unit scrolled into view above it. Focus moves into the panel when it opens.

const MARGIN = 8; // CSS px between the panel and the window's edge (0.5rem in detail.css)
const NARROW = 760; // below this width the panel is a bottom sheet
const SHEET = 0.55; // of the window's height

/** Horizontal overlap of [a0, a1] and [b0, b1]. */
function overlap(a0, a1, b0, b1) {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * "left" or "right": the side whose panel of `width` in a window `viewWidth` wide does not
 * cover the unit and covers least of the related boxes (its trace); left wins a tie, as it
 * then lies over the input column. Rects are {left, right}.
 */
export function chooseSide(unit, related, width, viewWidth) {
  const spans = { left: [MARGIN, MARGIN + width], right: [viewWidth - MARGIN - width, viewWidth - MARGIN] };
  const cost = (side) => {
    const [p0, p1] = spans[side];
    const own = overlap(p0, p1, unit.left, unit.right) > 0 ? 1e6 : 0;
    return own + related.reduce((sum, r) => sum + overlap(p0, p1, r.left, r.right), 0);
  };
  return cost("right") < cost("left") ? "right" : "left";
}

/** The unit's box on screen, from the same place() the highlights use. */
export function unitRect(network, unit) {
  const row = network.row(unit.layer);
  if (!row) return null;
  const place = unit.index !== undefined ? row.view.place(unit.index) : row.view.place(unit.channel, unit.y, unit.x, unit.y, unit.x);
  const r = place.host.getBoundingClientRect();
  const [l, t, w, h] = place.box;
  const left = r.left + l * r.width;
  const top = r.top + t * r.height;
  return { left, top, right: left + w * r.width, bottom: top + h * r.height };
}

export class PanelPlacement {
  constructor(panel, store, network) {
    Object.assign(this, { panel, store, network });
    this.wasOpen = false;
    store.subscribe(["selection", "explainOpen"], () => this.update());
    window.addEventListener("resize", () => this.wasOpen && this.place(false));
    panel.tabIndex = -1;
  }

  update() {
    const open = !this.panel.hidden;
    if (open) this.place(!this.wasOpen);
    else document.documentElement.classList.remove("detail-sheet");
    this.wasOpen = open;
  }

  place(opening) {
    const unit = this.store.state.selection;
    const rect = unit && unitRect(this.network, unit);
    if (!rect) return;
    const narrow = window.innerWidth < NARROW;
    document.documentElement.classList.toggle("detail-sheet", narrow);
    if (narrow) {
      this.panel.dataset.side = "bottom";
      // Bring the unit to the middle of what the sheet leaves free.
      const free = window.innerHeight * (1 - SHEET);
      const mid = (rect.top + rect.bottom) / 2;
      if (rect.top < MARGIN || rect.bottom > free - MARGIN) window.scrollBy({ top: mid - free / 2, behavior: "instant" });
    } else {
      const related = [...this.network.container.querySelectorAll("[data-rf-layer]")]
        .filter((box) => box.dataset.rfLayer === this._below(unit.layer))
        .map((box) => box.getBoundingClientRect());
      const width = this.panel.getBoundingClientRect().width;
      this.panel.dataset.side = chooseSide(rect, related, width, document.documentElement.clientWidth);
    }
    if (opening) this.panel.focus({ preventScroll: true });
  }

  /** The name of the layer just below `layer` (what its trace lines reach). */
  _below(layer) {
    const names = [...this.network.rows.keys()];
    return names[names.indexOf(layer) - 1];
  }
}
