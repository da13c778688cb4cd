// The learned kernels of each conv layer, drawn on demand inside a <details> under its row:
// one line per filter, one small canvas per input map, on a diverging scale symmetric about 0.

import { paintValues, scaleFor } from "./colormap.js";
import { extent } from "./tensor.js";
import { fmt } from "./format.js";

function drawGrid(grid, note, w, layer) {
  const [F, C, K] = w.shape;
  const [lo, hi] = extent(w.data);
  const scale = scaleFor(lo, hi, "diverging");
  grid.style.gridTemplateColumns = `auto repeat(${C}, auto)`;
  grid.style.setProperty("--k", String(K));
  grid.append(document.createElement("span"));
  for (let c = 0; c < C; c++) {
    const label = document.createElement("span");
    label.className = "kernel-col-label";
    label.textContent = C > 1 ? `in ${c}` : "";
    grid.append(label);
  }
  for (let f = 0; f < F; f++) {
    const label = document.createElement("span");
    label.className = "kernel-row-label";
    label.textContent = `map ${f}`;
    grid.append(label);
    for (let c = 0; c < C; c++) {
      const canvas = document.createElement("canvas");
      canvas.width = K;
      canvas.height = K;
      canvas.setAttribute("aria-label", `${layer} kernel for map ${f}, input map ${c}`);
      canvas.setAttribute("role", "img");
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(K, K);
      paintValues(w.data, (f * C + c) * K * K, K * K, scale, image.data);
      ctx.putImageData(image, 0, 0);
      grid.append(canvas);
    }
  }
  note.textContent =
    `Orange weights reward bright pixels under them, blue ones punish them, white ignores them (from ${fmt(scale.lo)} to ${fmt(scale.hi)}). ` +
    "Each row is the stencil that makes one map.";
}

/** Adds a kernels view under every conv row; returns a function that stops their listeners. */
export function addKernelViews(network, store) {
  const stops = [];
  for (const row of network.rows.values()) {
    if (row.kind !== "conv") continue;
    const details = document.createElement("details");
    details.className = "kernels";
    details.dataset.kernels = row.name;
    const summary = document.createElement("summary");
    const spec = row.info;
    const C = spec.input_shape[0];
    summary.textContent = `Learned kernels: ${spec.channels} filters of ${C} × ${spec.kernel} × ${spec.kernel}`;
    const grid = document.createElement("div");
    grid.className = "kernel-grid";
    const note = document.createElement("p");
    note.className = "kernel-note";
    details.append(summary, grid, note);
    row.el.append(details);
    let drawn = null; // the weights drawn last: new ones (a model as it trains) are drawn again
    const draw = () => {
      const weights = store.state.weights?.[row.name];
      if (!details.open || (weights && weights === drawn)) return;
      grid.replaceChildren();
      drawn = weights ?? null;
      if (weights) drawGrid(grid, note, weights.w, row.name);
      else note.textContent = "The weights are still loading.";
    };
    details.addEventListener("toggle", draw);
    stops.push(store.subscribe(["weights"], draw));
  }
  return () => stops.forEach((stop) => stop());
}
