// Edit the network: switch off (ablate) a map or a dense unit, replace a kernel of the first
// conv layer with a classic one, change its bias. The edits go with this page's requests only;
// the network other students see never changes. Reset brings the trained network back.

import { el } from "../dom.js";
import { CLASSIC_NAMES, centred, classicKernel } from "./lab-state.js";

function select(label, options) {
  const wrap = el("label", "lab-field", label);
  const s = el("select");
  for (const [value, text] of options) {
    const o = el("option", null, text);
    o.value = value;
    s.append(o);
  }
  wrap.append(s);
  return [wrap, s];
}

function number(label, attrs) {
  const wrap = el("label", "lab-field", label);
  const input = el("input");
  Object.assign(input, { type: "number", ...attrs });
  wrap.append(input);
  return [wrap, input];
}

function button(text, onClick) {
  const b = el("button", "chip", text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

export function describe(edit) {
  if (edit.ablate) return edit.index !== undefined ? `${edit.layer} unit ${edit.index} switched off` : `${edit.layer} map ${edit.channel} switched off`;
  const parts = [];
  if (edit.kernel) parts.push(`kernel ${edit.name ?? "edited"}`);
  if (edit.bias !== undefined) parts.push(`bias ${edit.bias}`);
  return `${edit.layer} map ${edit.channel}: ${parts.join(", ")}`;
}

export class EditLab {
  constructor(panel, { store }) {
    this.store = store;
    this.panel = panel;
    panel.append(el("p", "lab-intro",
      "Change the trained network and watch every layer above change. Only your page sees the change; " +
      "Reset brings the trained network back."));
    this.form = el("div", "lab-edit-form");
    this.list = el("ul", "lab-edits");
    this.list.setAttribute("aria-label", "Your edits");
    panel.append(this.form, this.list, button("Reset the network", () => store.set({ labEdits: [] })));
    store.subscribe(["model"], () => this.build());
    store.subscribe(["labEdits"], () => this.showList());
    this.build();
    this.showList();
  }

  setOpen() {}

  add(edit) {
    const edits = this.store.state.labEdits.filter((e) => !(e.layer === edit.layer && e.channel === edit.channel &&
      e.index === edit.index && Boolean(e.ablate) === Boolean(edit.ablate) && Boolean(e.kernel) === Boolean(edit.kernel)));
    this.store.set({ labEdits: [...edits, edit].slice(-64) });
  }

  build() {
    const model = this.store.state.model;
    this.form.replaceChildren();
    if (!model) return;
    const ablatable = model.layers.filter((l) => l.output_shape.length === 3 || (l.kind === "dense"));
    const [whereWrap, where] = select("Layer", ablatable.map((l) => [l.name, l.name]));
    where.dataset.role = "ablate-layer";
    const [whichWrap, which] = number("Map or unit", { min: 0, value: 0 });
    which.dataset.role = "ablate-which";
    const limit = () => {
      const l = ablatable.find((x) => x.name === where.value);
      which.max = String(l.output_shape[0] - 1);
    };
    where.addEventListener("change", limit);
    limit();
    const off = button("Switch it off", () => {
      const l = ablatable.find((x) => x.name === where.value);
      const i = Math.max(0, Math.min(Number(which.value) || 0, l.output_shape[0] - 1));
      this.add(l.output_shape.length === 3 ? { layer: l.name, channel: i, ablate: true } : { layer: l.name, index: i, ablate: true });
    });
    off.dataset.role = "ablate";
    const ablateRow = el("fieldset", "lab-row");
    ablateRow.append(el("legend", null, "Switch off a map or a unit"), whereWrap, whichWrap, off);

    const conv = model.layers.find((l) => l.kind === "conv");
    const kernelRow = el("fieldset", "lab-row");
    if (conv) {
      const [mapWrap, map] = number(`${conv.name} map`, { min: 0, max: conv.output_shape[0] - 1, value: 0 });
      map.dataset.role = "kernel-map";
      const [kWrap, kind] = select("Kernel", Object.entries(CLASSIC_NAMES));
      kind.dataset.role = "kernel-kind";
      const [k, cin] = [conv.kernel, conv.input_shape[0]];
      const replace = button("Replace its kernel", () => {
        const grid = classicKernel(kind.value, k) ?? centred([[1]], k);
        const kernel = cin === 1 ? grid : Array.from({ length: cin }, () => grid);
        this.add({ layer: conv.name, channel: Number(map.value) || 0, kernel, name: CLASSIC_NAMES[kind.value] });
      });
      replace.dataset.role = "replace-kernel";
      const [bWrap, bias] = number("Bias", { step: 0.1, value: 0 });
      const setBias = button("Set the bias", () => this.add({ layer: conv.name, channel: Number(map.value) || 0, bias: Number(bias.value) || 0 }));
      kernelRow.append(el("legend", null, `Replace a kernel or a bias of ${conv.name}`), mapWrap, kWrap, replace, bWrap, setBias);
    }
    this.form.append(ablateRow, kernelRow);
  }

  showList() {
    const edits = this.store.state.labEdits;
    this.list.replaceChildren(...edits.map((edit, i) => {
      const li = el("li", null, describe(edit) + " ");
      li.append(button("Undo", () => this.store.set({ labEdits: edits.filter((_, j) => j !== i) })));
      return li;
    }));
    if (!edits.length) this.list.append(el("li", "lab-note", "No edits: this is the trained network."));
  }
}
