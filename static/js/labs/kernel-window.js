// The Kernel lab's sliding window: where the kernel sits on the input for one output value,
// the products under it and their sum, stepped by hand, played, or set by resting the
// pointer on the output map. The page computes the products itself from the input and the
// kernel; the sum it shows is checked against the server's output value.

import { el } from "../dom.js";
import { fmt } from "../format.js";

const PLAY_MS = 120;

/** The products and their sum for output (oy, ox): input (C, H, W) data, kernel C x K x K. */
export function windowProducts(input, kernel, { S, P, D }, flip, oy, ox) {
  const [c, h, w] = input.shape;
  const k = kernel[0].length;
  const products = [];
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const y = oy * S - P + ky * D;
        const x = ox * S - P + kx * D;
        const v = y >= 0 && y < h && x >= 0 && x < w ? input.data[(ch * h + y) * w + x] : 0;
        const weight = flip ? kernel[ch][k - 1 - ky][k - 1 - kx] : kernel[ch][ky][kx];
        products.push({ ch, ky, kx, v, weight, product: v * weight });
        total += v * weight;
      }
    }
  }
  return { products, total };
}

export class WindowView {
  constructor(panel) {
    this.bar = el("div", "kernel-steps");
    this.step = el("button", "chip", "Step");
    this.play = el("button", "chip", "Play");
    for (const b of [this.step, this.play]) b.type = "button";
    this.step.addEventListener("click", () => { this.stop(); this.move(1); });
    this.play.addEventListener("click", () => (this.timer ? this.stop() : this.start()));
    this.play.setAttribute("aria-pressed", "false");
    this.readout = el("div", "kernel-readout");
    this.readout.setAttribute("aria-live", "off");
    this.bar.append(this.step, this.play);
    panel.append(this.bar, this.readout);
    this.data = null;
    this.at = 0;
    this.timer = null;
  }

  attach(maps) {
    this.maps = maps;
    maps.addEventListener("pointermove", (e) => {
      const canvas = e.target.closest?.('figure[data-role="output"] canvas');
      if (!canvas || !this.data) return;
      this.stop(); // the window rests where the pointer is
      const box = canvas.getBoundingClientRect();
      const [ho, wo] = this.data.output.shape;
      const y = Math.min(ho - 1, Math.floor(((e.clientY - box.top) / box.height) * ho));
      const x = Math.min(wo - 1, Math.floor(((e.clientX - box.left) / box.width) * wo));
      this.at = y * wo + x;
      this.render();
    });
  }

  update(data) {
    this.data = data;
    const [ho, wo] = data.output.shape;
    this.at = Math.min(this.at, ho * wo - 1);
    this.render();
  }

  move(by) {
    if (!this.data) return;
    const [ho, wo] = this.data.output.shape;
    this.at = (this.at + by) % (ho * wo);
    this.render();
  }

  start() {
    this.play.textContent = "Pause";
    this.play.setAttribute("aria-pressed", "true");
    this.timer = setInterval(() => this.move(1), PLAY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "Play";
    this.play.setAttribute("aria-pressed", "false");
  }

  box(figure, top, left, height, width, total, className) {
    figure = figure.querySelector(".kernel-frame") ?? figure;
    const mark = figure.querySelector(`.${className}`) ?? figure.appendChild(el("div", className)); // moved, not re-made
    Object.assign(mark.style, {
      top: `${(100 * top) / total[0]}%`, left: `${(100 * left) / total[1]}%`,
      height: `${(100 * height) / total[0]}%`, width: `${(100 * width) / total[1]}%`,
    });
  }

  render() {
    if (!this.data || !this.maps) return;
    const { input, output, kernel, formula, flip } = this.data;
    const [, wo] = output.shape;
    const oy = Math.floor(this.at / wo);
    const ox = this.at % wo;
    const [, h, w] = input.shape;
    const span = formula.span;
    for (const fig of this.maps.querySelectorAll('figure[data-role^="input"]')) {
      this.box(fig, oy * formula.S - formula.P, ox * formula.S - formula.P, span, span, [h, w], "kernel-window");
    }
    const outFig = this.maps.querySelector('figure[data-role="output"]');
    if (outFig) this.box(outFig, oy, ox, 1, 1, output.shape, "kernel-window");
    const { products, total } = windowProducts(input, kernel, formula, flip, oy, ox);
    const served = output.data[this.at];
    this.readout.dataset.y = String(oy);
    this.readout.dataset.x = String(ox);
    const k = kernel[0].length;
    // The readout's elements stay from answer to answer; only the texts that changed are written.
    if (!this.line) {
      this.line = el("p");
      this.table = el("div", "kernel-products");
      this.readout.replaceChildren(this.line, this.table);
    }
    if (this.table.style.getPropertyValue("--k") !== String(k)) this.table.style.setProperty("--k", String(k));
    // Spans are made as a larger kernel needs them and hidden, not removed, for a smaller one.
    const cells = products.filter((q) => q.ch === 0).map((p) => `${fmt(p.v)}×${fmt(p.weight)}`);
    while (this.table.children.length < cells.length) this.table.appendChild(el("span"));
    Array.from(this.table.children).forEach((span, i) => {
      const off = i >= cells.length;
      if (span.hidden !== off) span.hidden = off;
      if (!off && span.textContent !== cells[i]) span.textContent = cells[i];
    });
    const channels = input.shape[0] > 1 ? ` (channel 1 shown; ${input.shape[0]} channels summed)` : "";
    const text = `Output row ${oy + 1}, column ${ox + 1}: patch × kernel${flip ? " (flipped)" : ""} = ${fmt(total)}` +
      `${Math.abs(total - served) > 1e-3 * (1 + Math.abs(served)) ? ` (server: ${fmt(served)})` : ""}${channels}`;
    if (this.line.textContent !== text) this.line.textContent = text;
  }
}
