// What the explain panel shows for each kind of layer, from a decoded /api/explain answer.

import { el } from "./dom.js";
import { equation, num, numberGrid, table } from "./grids.js";
import { scaleFor } from "./colormap.js";
import { extent } from "./tensor.js";
import { fmt } from "./format.js";
import { elementwiseRenderer } from "./explain-elementwise.js";

function sumOf(data, offset, n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += data[offset + i];
  return s;
}

/**
 * Decimal places that give the largest of `values` four significant digits. Every number of
 * one sum is written with the same places, so the terms a student adds up come to the total
 * shown, give or take a unit in the last place per term (rounding each term to three
 * significant digits instead could leave the total off in its second digit).
 */
function placesFor(values) {
  const largest = Math.max(1e-12, ...values.filter(Number.isFinite).map(Math.abs));
  return Math.max(0, Math.min(8, 3 - Math.floor(Math.log10(largest))));
}

function fixed(v, places) {
  return Number.isFinite(v) ? v.toFixed(places).replace("-", "−") : fmt(v);
}

function activationLines(e) {
  const lines = [equation(["sum ", num(e.sum), " + bias ", num(e.bias), " = ", num(e.weighted_input)])];
  if (e.activation === "relu") {
    lines.push(equation(["ReLU: max(0, ", num(e.weighted_input), ") = ", { text: fmt(e.output, 4), className: "num result" }]));
  } else if (e.activation) {
    lines.push(equation([`${e.activation}(`, num(e.weighted_input), ") = ", { text: fmt(e.output, 4), className: "num result" }]));
  } else {
    lines.push(equation(["no activation: the output is ", { text: fmt(e.output, 4), className: "num result" }]));
  }
  return lines;
}

function convChannel(e, c, holder) {
  const [C, K] = e.patch.shape;
  const n = K * K;
  const [oy, ox] = e.origin;
  const marks = new Map();
  for (let i = 0; i < n; i++) if (e.in_padding.data[i]) marks.set(i, "padding");
  const [plo, phi] = extent(e.patch.data);
  const [klo, khi] = extent(e.kernel.data);
  const [qlo, qhi] = extent(e.products.data);
  const where = C > 1 ? ` map ${c}` : "";
  const row = el("div", "grid-row");
  row.append(
    numberGrid(e.patch.data, c * n, K, { title: `${e.input_layer}${where}: the patch`, scale: scaleFor(plo, phi), rowStart: oy, colStart: ox, marks }),
    el("span", "grid-op", "×"),
    numberGrid(e.kernel.data, c * n, K, { title: `kernel${where}`, scale: scaleFor(klo, khi, "diverging") }),
  );
  const products = numberGrid(e.products.data, c * n, K, { title: "products, cell by cell", scale: scaleFor(qlo, qhi, "diverging") });
  const total = equation(["these add up to ", num(sumOf(e.products.data, c * n, n))]);
  holder.replaceChildren(row, products, total);
  if (marks.size) holder.append(el("p", "note", "Grey-edged cells fall in the zero padding around the image."));
}

export function renderConv(e) {
  const [C, K] = e.patch.shape;
  const n = K * K;
  const over = C > 1 ? `each of the ${C} maps of ${e.input_layer}` : `${e.input_layer}`;
  const out = [el("p", "lead", `A ${K}×${K} kernel is laid over ${over} at row ${e.origin[0]}, column ${e.origin[1]}; each pair of numbers is multiplied and everything is added up.`)];
  const sums = Array.from({ length: C }, (_, c) => sumOf(e.products.data, c * n, n));
  const holder = el("div", "channel-detail");
  let best = 0;
  sums.forEach((s, c) => { if (Math.abs(s) > Math.abs(sums[best])) best = c; });
  if (C > 1) {
    const picker = el("div", "channel-picker");
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Input map to show");
    sums.forEach((s, c) => {
      const b = el("button", "chip", `map ${c}: ${fmt(s)}`);
      b.type = "button";
      b.setAttribute("aria-pressed", String(c === best));
      b.addEventListener("click", () => {
        for (const other of picker.children) other.setAttribute("aria-pressed", String(other === b));
        convChannel(e, c, holder);
      });
      picker.append(b);
    });
    out.push(el("p", "note", "Each input map has its own slice of the kernel. Pick a map (its share of the sum is shown):"), picker);
  }
  convChannel(e, best, holder);
  out.push(holder);
  const places = placesFor([...sums, e.sum]);
  const term = (s) => (s < 0 ? `(${fixed(s, places)})` : fixed(s, places));
  if (C > 1) out.push(equation(["sum over all maps: ", sums.map(term).join(" + "), " = ", { text: fixed(e.sum, places) }]));
  out.push(...activationLines(e));
  return out;
}

export function renderPool(e) {
  const [K] = e.window.shape;
  const [oy, ox] = e.origin;
  const marks = new Map();
  for (let i = 0; i < K * K; i++) if (e.in_padding?.data[i]) marks.set(i, "padding");
  if (e.winner) marks.set((e.winner[0] - oy) * K + (e.winner[1] - ox), "winner");
  const grid = numberGrid(e.window.data, 0, K, { title: `${e.input_layer}: the ${K}×${K} window`, rowStart: oy, colStart: ox, marks });
  if (e.kind === "maxpool") {
    return [
      el("p", "lead", `Max pooling keeps the largest value of its ${K}×${K} window.`),
      grid,
      equation(["max of the window = ", { text: fmt(e.output, 4), className: "num result" }, ` (row ${e.winner[0]}, column ${e.winner[1]}, outlined)`]),
    ];
  }
  return [
    el("p", "lead", `Average pooling takes the mean of its ${K}×${K} window.`),
    grid,
    equation(["mean of the window = ", { text: fmt(e.mean ?? e.output, 4), className: "num result" }]),
  ];
}

export function renderFlatten(e, model) {
  const { channel, y, x } = e.source;
  const below = model.layers.find((l) => l.name === e.input_layer)?.output_shape ?? [0, 0, 0];
  const [, h, w] = below;
  return [
    el("p", "lead", "Flatten only moves numbers: unit i of the long row is one unit of the maps below."),
    equation([`${channel} × ${h * w} + ${y} × ${w} + ${x} = `, { text: String(e.unit.index), className: "num" }]),
    equation([`so unit ${e.unit.index} = ${e.input_layer} map ${channel}, row ${y}, column ${x} = `, { text: fmt(e.output, 4), className: "num result" }]),
  ];
}

export function renderDense(e) {
  const topSum = e.top.reduce((s, t) => s + t.product, 0);
  const rest = e.n_inputs - e.top.length;
  const places = placesFor([...e.top.map((t) => t.product), topSum, e.sum - topSum, e.sum]);
  const rows = e.top.map((t) => [String(t.index), fmt(t.input), fmt(t.weight), fixed(t.product, places)]);
  return [
    el("p", "lead", `This unit multiplies each of the ${e.n_inputs} values of ${e.input_layer} by its own weight and adds them all up. The ${e.top.length} biggest contributions:`),
    table([`${e.input_layer} unit`, "value", "× weight", "= product"], rows),
    equation(["top contributions ", { text: fixed(topSum, places) }, " + the other ", String(rest), " ", { text: fixed(e.sum - topSum, places) }, " = sum ", { text: fixed(e.sum, places) }]),
    ...activationLines(e),
  ];
}

export function renderSoftmax(e, model) {
  const k = e.unit.index;
  const names = model.class_names ?? [];
  const rows = e.logits.map((z, i) => [names[i] ?? String(i), fmt(z), fmt(z - e.max_logit), fmt(e.exps[i]), `${(e.probabilities[i] * 100).toFixed(2)}%`]);
  return [
    el("p", "lead", "Softmax turns scores into probabilities: subtract the largest score (so the numbers stay small), raise e to each, divide by the total."),
    equation([`p(${names[k] ?? k}) = e^(z − max) / Σ e^(z − max)`]),
    table(["class", "score z", "z − max", "e^(z − max)", "probability"], rows, k),
    equation(["= ", num(e.exps[k]), " / ", num(e.sum_exps), " = ", { text: fmt(e.output, 4), className: "num result" }]),
  ];
}

/** An input pixel, worked out on the page: {y, x, byte, value} from inputPixel() in trace.js. */
export function renderInput(pixel) {
  return [
    el("p", "lead", "An input pixel is not computed: it is the picture itself, after it was made to look like the training images (28×28, white on black). Each pixel is stored as a byte from 0 (black) to 255 (white), and the network reads it as byte / 255, a number from 0 to 1."),
    equation([`pixel at row ${pixel.y}, column ${pixel.x}: `, num(pixel.byte), " / 255 = ", { text: fmt(pixel.value, 4), className: "num result" }]),
  ];
}

export function renderExplanation(e, model) {
  if (e.kind === "conv") return renderConv(e);
  if (e.kind === "maxpool" || e.kind === "avgpool") return renderPool(e);
  if (e.kind === "flatten") return renderFlatten(e, model);
  if (e.kind === "dense") return renderDense(e);
  if (e.kind === "softmax") return renderSoftmax(e, model);
  const render = elementwiseRenderer(e.kind);
  if (render) return render(e);
  throw new Error(`The page cannot explain a unit of kind "${e.kind}".`);
}
