// The labs area: three tabs (Transform the input, the Kernel lab, Edit the network), one
// module each. This module wires them to the store and the API: the labs' fields go with
// every predict and explain request, and a change in a lab asks again for the input shown,
// one request at a time while a slider is dragged (gate.js).

import { labFields } from "./lab-state.js";
import { EditLab } from "./edit-lab.js";
import { Gate } from "./gate.js";
import { KernelLab } from "./kernel-lab.js";
import { TransformLab } from "./transform-lab.js";

const LABS = { transform: TransformLab, kernel: KernelLab, edit: EditLab };

export function wireLabs(root, { store, api, retrace }) {
  if (!root) return;
  api.extra = (forExplain) => labFields(store.state, forExplain);
  // The input before any transform: what the student drew or chose (an upload is traced
  // without the labs' fields, so its trace's input is the untransformed one).
  let base = null;
  const remember = () => {
    const { trace, source } = store.state;
    if (!trace) return;
    base = source === "upload" ? trace.input.bytes : api.lastPixels ?? trace.input.bytes;
    const moved = Boolean(labFields(store.state).transform);
    store.set({ inputBase: moved ? base : null });
  };
  // Moves made while an answer is on its way go out together, with the newest settings, when
  // it lands (or fails): a new trace, or an error in the status line, settles the gate.
  const gate = new Gate(() => retrace(base));
  const again = () => gate.ask();
  store.subscribe(["trace"], (state) => {
    remember();
    // An upload arrives without the labs' settings: ask again with them.
    if (state.source === "upload" && Object.keys(labFields(state)).length) retrace(base);
    else gate.settled();
  });
  store.subscribe(["status"], ({ status }) => status.kind === "error" && gate.settled());
  store.subscribe(["labTransform", "labEdits"], again);

  const context = { store, api, again, base: () => base };
  const labs = Object.fromEntries(
    Object.entries(LABS).map(([name, Lab]) => [name, new Lab(root.querySelector(`#lab-${name}`), context)]),
  );
  const tabs = root.querySelectorAll("[role=tab]");
  for (const tab of tabs) tab.addEventListener("click", () => store.set({ lab: store.state.lab === tab.dataset.lab ? "" : tab.dataset.lab }));
  // As in any row of tabs, the arrow keys (and Home, End) go to the next lab and open it.
  const order = [...tabs];
  root.querySelector("[role=tablist]").addEventListener("keydown", (e) => {
    const at = order.indexOf(e.target);
    const step = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: order.length - 1 }[e.key];
    if (at < 0 || step === undefined) return;
    const next = order[(step + order.length) % order.length];
    e.preventDefault();
    next.focus();
    store.set({ lab: next.dataset.lab });
  });
  const show = ({ lab }) => {
    for (const tab of tabs) {
      const open = tab.dataset.lab === lab;
      tab.setAttribute("aria-selected", String(open));
      root.querySelector(`#lab-${tab.dataset.lab}`).hidden = !open;
    }
    for (const [name, l] of Object.entries(labs)) l.setOpen(name === lab);
  };
  store.subscribe(["lab"], show);
  show(store.state);
}
