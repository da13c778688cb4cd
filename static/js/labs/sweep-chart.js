// The sweep chart: for each transform axis, the probability of the predicted class at each
// setting (bar height) and which class it is (the label above the bar). Where the label
// changes, the network broke.

import { el } from "../dom.js";

const SVG = "http://www.w3.org/2000/svg";
const TITLES = { dx: "Shift right (px)", dy: "Shift down (px)", rotate: "Rotation (degrees)", scale: "Scale" };
const W = 300;
const H = 90;

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export class SweepChart {
  constructor(parent) {
    this.root = el("div", "sweep");
    this.root.dataset.testid = "sweep";
    this.note = el("p", "lab-note");
    this.note.setAttribute("role", "status");
    parent.append(this.root, this.note);
  }

  update(json, message = "") {
    this.note.textContent = message;
    this.root.replaceChildren();
    if (!json) return;
    this.root.dataset.settings = String(json.settings);
    for (const [axis, data] of Object.entries(json.axes)) {
      const figure = el("figure", "sweep-axis");
      figure.dataset.axis = axis;
      const chart = svg("svg", { viewBox: `0 0 ${W} ${H + 24}`, role: "img" });
      const n = data.values.length;
      const bw = W / n;
      const names = json.class_names;
      const said = data.predicted.map((c, i) => `${data.values[i]}: ${names[c]} ${Math.round(100 * data.probability[i])}%`);
      chart.setAttribute("aria-label", `${TITLES[axis]}: ${said.join(", ")}`);
      const first = data.predicted[Math.floor(n / 2)];
      data.values.forEach((v, i) => {
        const p = data.probability[i];
        const other = data.predicted[i] !== first;
        chart.append(svg("rect", { x: i * bw + 1, y: 12 + H * (1 - p), width: bw - 2, height: H * p, class: other ? "sweep-bar other" : "sweep-bar" }));
        const label = svg("text", { x: i * bw + bw / 2, y: 10, "text-anchor": "middle", class: "sweep-label" });
        label.textContent = names[data.predicted[i]].slice(0, 2);
        chart.append(label);
      });
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        const tick = svg("text", { x: i * bw + bw / 2, y: H + 23, "text-anchor": "middle", class: "sweep-tick" });
        tick.textContent = String(data.values[i]);
        chart.append(tick);
      }
      figure.append(chart, el("figcaption", null, `${TITLES[axis]}: bar = probability of the class named above it`));
      this.root.append(figure);
    }
  }
}
