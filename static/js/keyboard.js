// Keyboard use of the network: with a layer focused, arrow keys move the selection (it
// traces like a hover), Page Up / Page Down jump a map, Home goes to the first unit, Enter
// or Space explains. Escape closes the explanation anywhere; Ctrl+Z undoes a stroke.

import { fmt, unitText } from "./format.js";

export function wireKeyboard({ container, announce }, store, network, pad) {
  container.addEventListener("keydown", (e) => {
    const body = e.target.closest?.(".layer-body");
    if (!body || e.target !== body || e.altKey || e.ctrlKey || e.metaKey) return;
    const row = network.row(body.dataset.layer);
    if (!row) return;
    const current = store.state.selection?.layer === row.name ? store.state.selection : null;
    const moves = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    let next = null;
    if (moves[e.key]) next = current ? row.view.step(current, ...moves[e.key]) : row.view.first();
    else if (e.key === "PageUp" || e.key === "PageDown") {
      next = current ? row.view.stepMap(current, e.key === "PageUp" ? -1 : 1) : row.view.first();
    } else if (e.key === "Home") next = row.view.first();
    else if (e.key === "Enter" || e.key === " ") {
      store.set({ selection: current ?? row.view.first(), hover: null, explainOpen: true });
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    store.set({ selection: next, hover: null });
    const value = row.valueOf(next);
    announce.textContent = `${row.name}, ${unitText(next)}: ${value === null ? "no value yet" : fmt(value)}`;
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && store.state.explainOpen) {
      // Asked before the panel hides: a hidden panel loses its focus to the page.
      const inPanel = document.activeElement?.closest?.(".detail");
      store.set({ explainOpen: false });
      const sel = store.state.selection;
      if (inPanel && sel) network.row(sel.layer)?.body.focus({ preventScroll: true });
      e.preventDefault();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z" && !e.target.closest?.("input, select, textarea")) {
      pad.undo();
      e.preventDefault();
    }
  });
}
