// The Kernel lab's kernel as editable number cells, in a figure beside the maps it makes. All
// 7 x 7 cells (the largest kernel the lab offers) are made once; a kernel of size K is shown
// in the middle K x K of them (as the page centres a small kernel in zeros), the others hidden,
// in a box the size of the 7 x 7 kernel. Making 9 to 49 number fields again on every size step
// was most of the page's work for an answer while a student stepped through the sizes, and a
// box that grew and shrank moved the maps below it. (Keeping all 49 laid out and making the
// unused ones invisible made a size step cheaper still, but every other answer dearer.)

import { el } from "../dom.js";

export const MAX_K = 7;

export class KernelCells {
  /** onEdit(row, column, value) is called when the student changes a cell (row, column in the K x K kernel). */
  constructor(onEdit) {
    this.grid = el("div", "kernel-cells");
    this.grid.setAttribute("role", "group");
    this.grid.setAttribute("aria-label", "Kernel numbers: edit any cell");
    this.caption = el("figcaption");
    this.node = el("figure", "kernel-box");
    this.node.append(this.grid, this.caption);
    this.k = 0;
    this.cells = Array.from({ length: MAX_K * MAX_K }, (_, i) => {
      const cell = Object.assign(el("input"), { type: "number", step: "0.1", hidden: true });
      cell.addEventListener("change", () => {
        const at = this.place(i);
        if (at) onEdit(at[0], at[1], Number(cell.value) || 0);
      });
      return cell;
    });
    this.grid.append(...this.cells);
  }

  /** The kernel's (row, column) that box cell i shows for the current K, or null outside it
   * (none for a learned kernel above 7 x 7, which the lab cannot convolve and says so). */
  place(i) {
    if (this.k > MAX_K) return null;
    const off = Math.floor((MAX_K - this.k) / 2);
    const row = Math.floor(i / MAX_K) - off;
    const col = (i % MAX_K) - off;
    return row >= 0 && row < this.k && col >= 0 && col < this.k ? [row, col] : null;
  }

  /** Show a K x K kernel: which cells show it changes with K, values are written when they differ. */
  show(kernel) {
    const k = kernel.length;
    if (k !== this.k) {
      this.k = k;
      this.caption.textContent = `kernel (${k}×${k})`;
      this.grid.style.setProperty("--k", String(Math.min(k, MAX_K)));
      this.cells.forEach((cell, i) => {
        const at = this.place(i);
        if (cell.hidden !== !at) cell.hidden = !at;
        const label = at ? `kernel row ${at[0] + 1}, column ${at[1] + 1}` : null;
        if (label) cell.setAttribute("aria-label", label);
        else cell.removeAttribute("aria-label");
      });
    }
    this.cells.forEach((cell, i) => {
      const at = this.place(i);
      if (!at) return;
      const text = String(Number(kernel[at[0]][at[1]].toFixed(3)));
      if (cell.value !== text && document.activeElement !== cell) cell.value = text;
    });
  }
}
