// Kernel lab: one kernel slid over the current input (or a colour photo, as R, G and B), with
// padding, stride and dilation, the output-size formula with its numbers, an animated window
// (step by step, playing, or resting where the pointer is) showing patch × kernel = value,
// then an activation and a pooling, and the flip between cross-correlation and convolution.

import { el } from "../dom.js";
import { Latest } from "../latest.js";
import { decodeTensor } from "../tensor.js";
import { scaleFor } from "../colormap.js";
import { CLASSIC_NAMES, KERNEL_DEFAULTS, classicKernel, outputSize } from "./lab-state.js";
import { paintMap } from "./paint.js";
import { WindowView } from "./kernel-window.js";
import { KernelCells, MAX_K } from "./kernel-cells.js";

const CHOICES = [
  ["kernel", "Kernel", null],
  ["size", "Size", [[3, "3×3"], [5, "5×5"], [7, "7×7"]]],
  ["padding", "Padding P", null],
  ["stride", "Stride S", [[1, "1"], [2, "2"], [3, "3"], [4, "4"]]],
  ["dilation", "Dilation D", [[1, "1"], [2, "2"], [3, "3"]]],
  ["activation", "Then", [["", "no activation"], ["relu", "ReLU"], ["leaky_relu", "leaky ReLU"], ["tanh", "tanh"], ["sigmoid", "sigmoid"]]],
  ["pool", "Pooling", [["", "none"], ["max", "max"], ["avg", "average"], ["sum", "sum"]]],
  ["poolSize", "Pool size", [[2, "2×2, stride 2"], [3, "3×3, stride 3"]]],
];
const NUMERIC = new Set(["size", "padding", "stride", "dilation", "poolSize"]);

export class KernelLab {
  constructor(panel, { store, api }) {
    this.store = store;
    this.api = api;
    this.open = false;
    this.photo = null; // a colour photo's data URL, when one is chosen here
    panel.append(el("p", "lab-intro",
      "A convolution is a sliding dot product: the kernel's numbers times the pixels under it, added up. " +
      "Choose a kernel, move it with padding, stride and dilation, and watch the output fill."));
    const controls = el("div", "lab-controls");
    this.selects = {};
    for (const [key, label, options] of CHOICES) {
      const wrap = el("label", "lab-field", label);
      const s = el("select");
      s.dataset.key = key;
      wrap.append(s);
      controls.append(wrap);
      this.selects[key] = s;
      if (options) for (const [v, t] of options) s.append(Object.assign(el("option", null, t), { value: String(v) }));
      s.addEventListener("change", () => this.change(key, NUMERIC.has(key) ? Number(s.value) : s.value));
    }
    const flip = el("label", "lab-field lab-check");
    this.flip = Object.assign(el("input"), { type: "checkbox" });
    this.flip.addEventListener("change", () => this.change("flip", this.flip.checked));
    flip.append(this.flip, document.createTextNode(" True convolution (kernel flipped)"));
    const photo = el("label", "file-button lab-photo", "Use a colour photo");
    const file = Object.assign(el("input"), { type: "file", accept: "image/*" });
    file.addEventListener("change", () => this.readPhoto(file.files[0]));
    photo.append(file);
    this.usingDigit = el("button", "chip", "Use the digit");
    this.usingDigit.type = "button";
    this.usingDigit.hidden = true;
    this.usingDigit.addEventListener("click", () => { this.photo = null; this.usingDigit.hidden = true; this.run(); });
    controls.append(flip, photo, this.usingDigit);
    this.cells = new KernelCells((row, col, value) => {
      const cells = this.kernel().map((r) => r.slice()); // the kernel shown when the cell is edited
      cells[row][col] = value;
      this.store.set({ kernelLab: { ...this.settings, cells } });
    });
    this.formula = el("p", "lab-formula");
    this.formula.dataset.testid = "kernel-formula";
    this.message = el("p", "lab-note");
    this.message.setAttribute("role", "status");
    this.maps = el("div", "kernel-maps");
    const work = el("div", "kernel-work"); // the kernel, then the maps: input, output, ...
    work.append(this.cells.node, this.maps);
    panel.append(controls, this.formula, this.message, work);
    this.window = new WindowView(panel); // its buttons and readout below the maps
    // One convolution in flight; choices made meanwhile go out as one, the newest, when it
    // lands, so stepping through kernels shows every answer that comes back.
    this.requests = new Latest(({ json, body }) => this.draw(json, body), (err) => this.fail(err));
    this.figures = new Map(); // role -> {fig, canvas, caption}, kept from answer to answer
    this.window.attach(this.maps);
    store.subscribe(["kernelLab"], () => this.show());
    store.subscribe(["weights", "model"], () => this.fillKernels());
    store.subscribe(["trace"], () => this.runSoon());
    this.fillKernels();
    this.show();
  }

  get settings() {
    return { ...KERNEL_DEFAULTS, ...(this.store.state.kernelLab ?? {}) };
  }

  change(key, value) {
    const next = { ...this.settings, [key]: value };
    if (key === "kernel" || key === "size") next.cells = null; // a new choice replaces hand edits
    if (key === "size") next.padding = Math.min(next.padding, value - 1);
    this.store.set({ kernelLab: next });
  }

  setOpen(open) {
    this.open = open;
    if (open) this.run();
    else {
      this.window.stop();
      this.requests.drop();
    }
  }

  fillKernels() {
    const s = this.selects.kernel;
    const keep = s.value;
    s.replaceChildren(...Object.entries(CLASSIC_NAMES).map(([v, t]) => Object.assign(el("option", null, t), { value: v })));
    const conv = this.store.state.model?.layers.find((l) => l.kind === "conv");
    const w = conv && this.store.state.weights?.[conv.name]?.w;
    if (w) for (let f = 0; f < w.shape[0]; f++) s.append(Object.assign(el("option", null, `Learned: ${conv.name} map ${f}`), { value: `learned:${f}` }));
    s.value = keep || this.settings.kernel;
  }

  /** The kernel as K x K (or C x K x K for a learned kernel of a colour model). */
  kernel() {
    const st = this.settings;
    if (st.cells) return st.cells;
    if (st.kernel.startsWith("learned:")) {
      const conv = this.store.state.model?.layers.find((l) => l.kind === "conv");
      const w = conv && this.store.state.weights?.[conv.name]?.w;
      if (w) {
        const [, c, k] = w.shape;
        const f = Number(st.kernel.slice(8));
        const at = (ch, y, x) => w.data[((f * c + ch) * k + y) * k + x];
        const grid = (ch) => Array.from({ length: k }, (_, y) => Array.from({ length: k }, (_, x) => at(ch, y, x)));
        return grid(0);
      }
    }
    return classicKernel(st.kernel, st.size) ?? classicKernel("identity", st.size);
  }

  show() {
    const st = this.settings;
    const kernel = this.kernel();
    const k = kernel.length;
    if (this.paddingFor !== k) this.offerPadding(k);
    const shown = { ...st, padding: Math.min(st.padding, k - 1) }; // as the request sends it
    for (const [key, s] of Object.entries(this.selects)) {
      if (s.value !== String(shown[key])) s.value = String(shown[key]);
    }
    this.selects.poolSize.disabled = !st.pool;
    this.flip.checked = st.flip;
    this.cells.show(kernel);
    this.run();
  }

  /** Padding 0..K-1 offered: the options up to 6 are made once, those above K-1 hidden and disabled. */
  offerPadding(k) {
    this.paddingFor = k;
    const s = this.selects.padding;
    if (!s.options.length) {
      s.append(...Array.from({ length: MAX_K }, (_, p) => Object.assign(el("option", null, String(p)), { value: String(p) })));
    }
    for (const option of s.options) {
      const off = Number(option.value) >= k;
      if (option.hidden !== off) Object.assign(option, { hidden: off, disabled: off });
    }
  }

  readPhoto(file) {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      this.photo = reader.result;
      this.usingDigit.hidden = false;
      this.run();
    };
    reader.readAsDataURL(file);
  }

  runSoon() {
    if (!this.open || this.photo) return;
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.run());
  }

  body() {
    const st = this.settings;
    const kernel = this.kernel();
    const common = {
      kernel, stride: st.stride, padding: Math.min(st.padding, kernel.length - 1), dilation: st.dilation, flip: st.flip,
      activation: st.activation || null, pool: st.pool ? { kind: st.pool, size: st.poolSize, stride: st.poolSize } : null,
    };
    if (this.photo) return { image: this.photo, colour: true, ...common };
    const input = this.store.state.trace?.input;
    if (!input) return null;
    const [c, h, w] = input.shape;
    const rows = (ch) => Array.from({ length: h }, (_, y) => Array.from(input.output.subarray((ch * h + y) * w, (ch * h + y + 1) * w)));
    return c === 1 ? { pixels: rows(0), ...common } : { pixels: Array.from({ length: c }, (_, ch) => rows(ch)), colour: true, ...common };
  }

  run() {
    if (!this.open) return;
    const body = this.body();
    if (!body) {
      this.message.textContent = "Draw or choose a digit to convolve it.";
      return;
    }
    this.formula.textContent = this.formulaFor(body);
    // The body is read again when the request is really sent: the newest settings go.
    this.requests.push(undefined, async (signal) => {
      const latest = this.body() ?? body;
      return { body: latest, json: await this.api.convolve(latest, signal) };
    });
  }

  /** The output-size formula, with its numbers, for a request body of the settings shown. */
  formulaFor(body) {
    const size = this.store.state.trace?.input.shape[2] ?? 28;
    return outputSize(size, body.kernel.length, body.padding, this.settings.stride, this.settings.dilation).text;
  }

  fail(err) {
    if (err?.name === "AbortError") return;
    // An earlier answer drawn while this request waited wrote its own formula: the refusal is
    // about the settings shown now, so their formula goes beside its sentence.
    const body = this.body();
    if (body) this.formula.textContent = this.formulaFor(body);
    this.message.textContent = err.message;
    this.maps.dataset.state = "error";
    this.maps.replaceChildren(); // no stale maps beside a formula that does not fit
    this.figures.clear();
    drawn("error");
  }

  draw(json, body) {
    const t = (key) => (json[key] ? decodeTensor(json[key]) : null);
    const input = t("input");
    const output = t("output");
    const { formula } = json;
    this.formula.textContent = outputSize(formula.W, formula.F, formula.P, formula.S, formula.D).text;
    this.message.textContent = "";
    this.maps.dataset.state = "ready";
    const [c, h, w] = input.shape;
    const names = c === 3 ? ["input: red", "input: green", "input: blue"] : ["input"];
    const shown = [];
    for (let ch = 0; ch < c; ch++) {
      shown.push([`input-${ch}`, names[ch], input.data.subarray(ch * h * w, (ch + 1) * h * w), h, w, scaleFor(0, 1, "grey")]);
    }
    const [ho, wo] = output.shape;
    shown.push(["output", "output (sum of products)", output.data, ho, wo, null]);
    const act = t("activated");
    if (body.activation) shown.push(["activated", `after ${body.activation}`, act.data, ho, wo, null]);
    const pooled = t("pooled");
    if (pooled) shown.push(["pooled", `after ${body.pool.kind} pooling`, pooled.data, pooled.shape[0], pooled.shape[1], null]);
    const figures = shown.map((args) => this.figure(...args));
    // The figures stay from answer to answer (each canvas repainted in place); the DOM changes
    // only when a map comes or goes, as when pooling is switched on.
    const kept = this.maps.children;
    if (figures.length !== kept.length || figures.some((f, i) => kept[i] !== f)) this.maps.replaceChildren(...figures);
    for (const role of this.figures.keys()) if (!shown.some(([r]) => r === role)) this.figures.delete(role);
    const kernel = Array.isArray(body.kernel[0][0]) ? body.kernel : Array.from({ length: c }, () => body.kernel);
    this.window.update({ input, output, kernel, formula, flip: body.flip });
    drawn("maps");
  }

  /** The figure for one map (made once per role), its canvas painted with data. */
  figure(role, caption, data, h, w, scale) {
    let made = this.figures.get(role);
    if (!made) {
      const fig = el("figure", "kernel-map");
      fig.dataset.role = role;
      const canvas = el("canvas");
      canvas.setAttribute("role", "img");
      const frame = el("div", "kernel-frame"); // the window's marks are placed over the canvas alone
      frame.append(canvas);
      const label = el("figcaption");
      fig.append(frame, label);
      made = { fig, canvas, label };
      this.figures.set(role, made);
    }
    const text = `${caption} (${h}×${w})`;
    if (made.label.textContent !== text) {
      made.label.textContent = text;
      made.canvas.setAttribute("aria-label", `${caption}, ${h} by ${w}`);
    }
    paintMap(made.canvas, data, h, w, scale);
    return made.fig;
  }
}

/** Tells whoever listens (bench/bench_labs_page.py) that an answer was drawn. */
function drawn(what) {
  document.dispatchEvent(new CustomEvent("cnnvis:kernel-drawn", { detail: { what, at: performance.now() } }));
}
