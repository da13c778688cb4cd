// The Kernel lab's kernel as editable number cells, in a figure beside the maps it makes. All
// 7 x 7 cells (the largest kernel the lab offers) are made once; a kernel of size K shows the
// top-left K x K of them, centred in a box the size of the 7 x 7 one. Making 9 to 49 number
// fields again on every size step was most of the page's work for an answer while a student
// stepped through the sizes, and a box that grew and shrank moved the maps below it (at 7 x 7
// out of the lab's view).

import { el } from "../dom.js";

export const MAX_K = 7;

export class KernelCells {
  /** onEdit(row, column, value) is called when the student changes a cell. */
  constructor(onEdit) {
    this.grid = el("div", "kernel-cells");
    this.grid.setAttribute("role", "group");
    this.grid.setAttribute("aria-label", "Kernel numbers: edit any cell");
    this.caption = el("figcaption");
    this.node = el("figure", "kernel-box");
    this.node.append(this.grid, this.caption);
    this.k = 0;
    this.cells = Array.from({ length: MAX_K * MAX_K }, (_, i) => {
      const [row, col] = [Math.floor(i / MAX_K), i % MAX_K];
      const cell = Object.assign(el("input"), { type: "number", step: "0.1", hidden: true });
      cell.dataset.row = String(row);
      cell.dataset.col = String(col);
      cell.setAttribute("aria-label", `kernel row ${row + 1}, column ${col + 1}`);
      cell.addEventListener("change", () => onEdit(row, col, Number(cell.value) || 0));
      return cell;
    });
    this.grid.append(...this.cells);
  }

  /** Show a K x K kernel: the cells outside it hidden when K changes, values written when they differ. */
  show(kernel) {
    const k = kernel.length;
    if (k !== this.k) {
      this.k = k;
      this.grid.style.setProperty("--k", String(k));
      this.caption.textContent = `kernel (${k}×${k})`;
      for (const cell of this.cells) {
        const hide = Number(cell.dataset.row) >= k || Number(cell.dataset.col) >= k;
        if (cell.hidden !== hide) cell.hidden = hide;
      }
    }
    for (let y = 0; y < k; y++) {
      for (let x = 0; x < k; x++) {
        const cell = this.cells[y * MAX_K + x];
        const text = String(Number(kernel[y][x].toFixed(3)));
        if (cell.value !== text && document.activeElement !== cell) cell.value = text;
      }
    }
  }
}
