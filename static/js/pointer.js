// One way from a pointer position to a unit, for hover, click, tap and the magnifier alike.
// Positions stay floating-point: a click's own clientX is a whole pixel, so on the line
// between two cells it could name another unit than the hover just before it did.

/**
 * The cell of a cols x rows grid drawn in `rect` under (clientX, clientY), or null outside.
 * A point on the far edge belongs to the last cell, not to one past it.
 */
export function cellAt(clientX, clientY, rect, cols, rows) {
  const fx = (clientX - rect.left) / rect.width;
  const fy = (clientY - rect.top) / rect.height;
  if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) return null;
  return {
    col: Math.min(cols - 1, Math.floor(fx * cols)),
    row: Math.min(rows - 1, Math.floor(fy * rows)),
  };
}

/**
 * Remembers where the last pointer went down and up, with its fractional coordinates and
 * its kind ("mouse" | "touch" | "pen"), so the click that follows is read at that position.
 */
export class PointerMemory {
  constructor(target) {
    this.last = null;
    const keep = (e) => {
      this.last = { x: e.clientX, y: e.clientY, type: e.pointerType, target: e.target };
    };
    target.addEventListener("pointerdown", keep);
    target.addEventListener("pointerup", keep);
  }

  /** The position to read a click at: the pointerup it ended with, if it was on the same element. */
  clickPoint(click) {
    const last = this.last;
    if (last && last.target === click.target && Math.abs(last.x - click.clientX) < 2 && Math.abs(last.y - click.clientY) < 2) {
      return last;
    }
    return { x: click.clientX, y: click.clientY, type: "mouse", target: click.target };
  }
}
