// The explain panel for kinds whose unit reads one value below (batch norm, dropout,
// activation layers, normalisation) or one whole map (global average pooling). No state.

import { el } from "./dom.js";
import { equation, num } from "./grids.js";
import { fmt } from "./format.js";

const result = (value) => ({ text: fmt(value, 4), className: "num result" });

function where(e) {
  const u = e.unit;
  return u.index !== undefined ? `unit ${u.index}` : `map ${u.channel}, row ${u.y}, column ${u.x}`;
}

const FORMULAS = {
  relu: (e) => ["max(0, ", num(e.input), ") = ", result(e.output)],
  leaky_relu: (e) => [num(e.input), ` > 0 ? it : ${e.slope} × it = `, result(e.output)],
  tanh: (e) => ["tanh(", num(e.input), ") = ", result(e.output)],
  sigmoid: (e) => ["1 / (1 + e^−", num(e.input), ") = ", result(e.output)],
};

export function renderActivation(e) {
  return [
    el("p", "lead", `This unit applies ${e.function} to the one value under it: ${e.input_layer}, ${where(e)}.`),
    equation(FORMULAS[e.function](e)),
  ];
}

export function renderBatchnorm(e) {
  return [
    el("p", "lead", `Batch normalisation: the value is shifted by the average of ${e.input_layer} channel ${e.channel} seen in training and divided by its spread, then scaled and moved by two learnt numbers.`),
    equation(["(", num(e.input), " − mean ", num(e.mean), ") / √(var ", num(e.var), " + ε) = ", num(e.normalized)]),
    equation(["γ ", num(e.gamma), " × ", num(e.normalized), " + β ", num(e.beta), " = ", result(e.output)]),
  ];
}

export function renderDropout(e) {
  return [
    el("p", "lead", `Dropout passes the value through unchanged when the network answers. While it was learning, each unit was switched off with probability ${e.rate} and the others scaled up to make up for it.`),
    equation([`${e.input_layer}, ${where(e)}: `, num(e.input), " → ", result(e.output)]),
  ];
}

export function renderNormalize(e) {
  return [
    el("p", "lead", `The picture's channel ${e.channel} is shifted and scaled to the range the network was trained on.`),
    equation(["(", num(e.input), " − mean ", num(e.mean), ") / std ", num(e.std), " = ", result(e.output)]),
  ];
}

export function renderGlobalPool(e) {
  return [
    el("p", "lead", `Global average pooling takes the mean of the whole of ${e.input_layer} map ${e.channel}: how strongly its pattern showed anywhere.`),
    equation(["sum ", num(e.sum), " / ", String(e.count), " values = ", result(e.output)]),
  ];
}

/** The renderer of a kind this module explains, or null. */
export function elementwiseRenderer(kind) {
  if (Object.hasOwn(FORMULAS, kind)) return renderActivation;
  return { batchnorm: renderBatchnorm, dropout: renderDropout, normalize: renderNormalize, globalavgpool: renderGlobalPool }[kind] ?? null;
}
