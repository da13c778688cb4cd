// Compare mode: a second network beside the first (below it on a narrow screen), answering
// the same input. The address holds its model (`compare=<id>`, state.js PROPS), so a link
// reopens it. A hover in either network is traced in both where their geometry allows
// (geometry.js); where it does not, the page says why in words.

import { el } from "../dom.js";
import { percent, shapeText, unitText } from "../format.js";
import { prepare } from "../prepare.js";
import { padIsBlank } from "../pad-picture.js";
import { pairUnit } from "./geometry.js";
import { CompareSide } from "./side.js";
import { answerOf, verdict } from "./verdict.js";

const BESIDE = "(min-width: 1000px)"; // as in compare.css: the two networks side by side

/** How a model prepares a drawing, in words ({box, centre, kind} from GET /api/models/{id}). */
export function preparationText(prep) {
  if (!prep) return "as it is";
  if (prep.kind === "photo") return "a photo's middle cut out at the network's size";
  if (prep.centre === "box") return `its box centred and scaled to ${prep.box} pixels`;
  return `scaled to ${prep.box} pixels and centred by the mass of its ink`;
}

function samePreparation(a, b) {
  return (a?.kind ?? null) === (b?.kind ?? null) && (a?.box ?? null) === (b?.box ?? null) && (a?.centre ?? null) === (b?.centre ?? null);
}

/** Every model the server lists, with the checkpoints of those that keep them: [{id, name, group}]. */
async function choices(api) {
  const listed = (await api.request("/models")).models ?? [];
  const out = [];
  for (const m of listed) {
    out.push({ id: m.id, name: m.name, group: m.name });
    try {
      const { checkpoints = [] } = await api.request(`/models/${encodeURIComponent(m.id)}/checkpoints`);
      for (const c of checkpoints) {
        const acc = c.test_accuracy === null || c.test_accuracy === undefined ? "" : `, ${percent(c.test_accuracy)} of the test set right`;
        out.push({ id: c.id, name: `after epoch ${c.epoch}${acc}`, group: m.name, epoch: c.epoch, of: m.id });
      }
    } catch {
      // a model without checkpoints: only itself
    }
  }
  return out;
}

function buildFrame(section) {
  const head = el("header", "compare-head");
  const title = el("h2", null, "Compared with");
  title.id = "compare-title";
  const label = el("label", "compare-choice", "Second network ");
  const select = el("select");
  select.id = "compare-select";
  label.append(select);
  const stop = el("button", "chip", "Stop comparing");
  stop.type = "button";
  stop.id = "compare-stop";
  head.append(title, label, stop);
  const answers = el("p", "compare-answers");
  answers.dataset.testid = "compare-answers";
  const said = el("p", "compare-verdict");
  said.dataset.testid = "compare-verdict";
  said.setAttribute("aria-live", "polite");
  const input = el("p", "compare-input note");
  input.dataset.testid = "compare-input";
  const traced = el("p", "compare-trace");
  traced.dataset.testid = "compare-trace";
  section.setAttribute("aria-labelledby", title.id);
  section.replaceChildren(head, answers, said, input, traced);
  return { select, stop, answers, said, input, traced };
}

/**
 * Wire compare mode. section: its words (the answers, what each side sees, the trace);
 * host: where the second network is drawn; summary: a line under the page's own answer;
 * button: the top bar's toggle; store: the page's store; api: the page's Api; network: the
 * first NetworkView (the second follows its scale); pad: the DrawPad; refit(): lay the
 * networks out again; detail: the explain panel's elements, which the second network shares.
 */
export function wireCompare(section, { host, summary, button, store, api, network, pad, refit, detail }) {
  const ui = buildFrame(section);
  const beside = window.matchMedia(BESIDE);
  const labels = () => (beside.matches ? ["left", "right"] : ["upper", "lower"]);
  const side = new CompareSide(host, store, api.root, {
    onAnswer: () => showAnswers(),
    onError: (message) => (ui.said.textContent = message),
    detail,
    naming: () => `The ${labels()[1]} network`,
  });
  network.followers.push(side.network);
  let options = null;

  const fillOptions = async () => {
    if (options) return options;
    options = await choices(api).catch(() => []);
    const groups = new Map();
    for (const o of options) {
      if (!groups.has(o.group)) groups.set(o.group, el("optgroup"));
      groups.get(o.group).label = o.group;
      groups.get(o.group).append(new Option(o.name, o.id));
    }
    ui.select.replaceChildren(...groups.values());
    return options;
  };

  /** The model to compare with when none is named: an early epoch of this one, else another model. */
  const defaultFor = (id, list) => {
    const early = list.filter((o) => o.of === id).sort((a, b) => Math.abs(a.epoch - 1) - Math.abs(b.epoch - 1))[0];
    return (early ?? list.find((o) => o.id !== id) ?? list[0])?.id ?? null;
  };

  const showAnswers = () => {
    const [la, lb] = labels();
    const a = answerOf(store.state.trace, store.state.model);
    const b = answerOf(side.store.state.trace, side.model);
    const line = (label, model, ans) => `${label[0].toUpperCase()}${label.slice(1)}, ${model?.name ?? "…"}: ${ans ? `${ans.name} at ${percent(ans.p)}` : "no answer yet"}`;
    ui.answers.replaceChildren(el("span", null, `${line(la, store.state.model, a)}.`), " ", el("span", null, `${line(lb, side.model, b)}.`));
    ui.said.textContent = a && b ? verdict(a, b, [la, lb]) : "";
    summary.textContent = b ? `The ${lb} network, ${side.model.name}, says ${b.name} at ${percent(b.p)}.` : "";
    side.title.textContent = `The ${lb} network: ${side.model?.name ?? "…"}`;
    section.dataset.answerA = a ? a.name : "";
    section.dataset.answerB = b ? b.name : "";
  };

  /** The bytes the second network is asked about, and a sentence saying what each side sees. */
  const inputFor = () => {
    const { trace, source, model } = store.state;
    const other = side.model;
    const [la, lb] = labels();
    if (!trace || !other || !model) return { bytes: null, note: "" };
    const shape = trace.input.shape;
    if (shape.join() !== other.input_shape.join()) {
      return { bytes: null, note: `The ${lb} network reads ${shapeText(other.input_shape)} pictures; it cannot read this ${shapeText(shape)} input.` };
    }
    const same = samePreparation(model.preparation, other.preparation);
    if (source === "drawing" && !same && other.preparation?.kind === "ink" && !padIsBlank(pad)) {
      try {
        const grey = pad.grey();
        const { pixels } = prepare(grey.data, grey.width, grey.height, other.preparation);
        return {
          bytes: pixels,
          note: `Each network sees your drawing prepared its own way: on the ${la}, ${preparationText(model.preparation)}; on the ${lb}, ${preparationText(other.preparation)}.`,
        };
      } catch {
        // no ink for this preparation: fall back to the first network's input
      }
    }
    if (same) return { bytes: trace.input.bytes, note: `Both networks see the same ${shapeText(shape)} input, ${preparationText(model.preparation)}.` };
    return {
      bytes: trace.input.bytes,
      note:
        `Both networks see the input as the ${la} one prepares it (${preparationText(model.preparation)}); ` +
        `the ${lb} network would have prepared it as ${preparationText(other.preparation)}.`,
    };
  };

  const follow = () => {
    if (!side.model) return;
    const { bytes, note } = inputFor();
    ui.input.textContent = note;
    if (bytes) side.ask(bytes);
    else side.clear();
    showAnswers();
  };

  // A hover in one network, traced in the other where their geometry allows; so is a unit
  // picked in the first network with the keyboard or a click.
  const idle = "Point at a unit in either network: where both look at the same cells, both are outlined.";
  let echo = false;
  const mirror = (key, to, fromModel, toModel) => (state) => {
    if (echo || !side.model) return;
    const unit = state[key] ?? (key === "hover" ? state.selection : null);
    const pair = unit && fromModel() && toModel() ? pairUnit(unit, fromModel(), toModel()) : { unit: null, reason: "" };
    echo = true;
    to.set({ [key]: key === "hover" && unit === state.selection ? null : pair.unit });
    echo = false;
    ui.traced.dataset.state = !unit ? "idle" : pair.unit ? "same" : "differs";
    if (!unit) ui.traced.textContent = idle;
    else if (pair.unit) ui.traced.textContent = `${unit.layer}, ${unitText(unit)}: both networks look at the same cells, outlined in both.`;
    else ui.traced.textContent = `${unit.layer}, ${unitText(unit)} is traced in one network only. ${pair.reason}`;
  };
  const first = () => store.state.model;
  const second = () => side.model;
  store.subscribe(["hover"], mirror("hover", side.store, first, second));
  store.subscribe(["selection"], mirror("selection", side.store, first, second));
  side.store.subscribe(["hover"], mirror("hover", store, second, first));

  const open = async (id) => {
    document.documentElement.classList.add("comparing");
    section.hidden = false;
    host.hidden = false;
    summary.hidden = false;
    button.setAttribute("aria-pressed", "true");
    ui.traced.textContent = idle;
    ui.traced.dataset.state = "idle";
    const list = await fillOptions();
    if (store.state.compareId !== id) return;
    const unlisted = list.some((o) => o.id === id) ? null : new Option(id, id);
    if (unlisted) ui.select.add(unlisted);
    ui.select.value = id;
    try {
      const model = await side.load(id);
      if (!model || store.state.compareId !== id) return;
      section.dataset.model = id;
      refit();
      follow();
    } catch (err) {
      unlisted?.remove();
      store.set({ compareId: null, status: { kind: "error", text: `The network to compare with (${id}) could not be opened: ${err.message}` } });
    }
  };
  const close = () => {
    document.documentElement.classList.remove("comparing");
    section.hidden = true;
    host.hidden = true;
    summary.hidden = true;
    summary.textContent = "";
    delete section.dataset.model;
    button.setAttribute("aria-pressed", "false");
    side.close();
    refit();
  };
  const apply = () => (store.state.compareId ? open(store.state.compareId) : close());

  button.addEventListener("click", async () => {
    if (store.state.compareId) return store.set({ compareId: null });
    const list = await fillOptions();
    const id = defaultFor(store.state.modelId, list);
    if (id) store.set({ compareId: id });
  });
  ui.stop.addEventListener("click", () => store.set({ compareId: null }));
  ui.select.addEventListener("change", () => store.set({ compareId: ui.select.value }));
  store.subscribe(["compareId"], apply);
  store.subscribe(["trace"], () => store.state.compareId && follow());
  beside.addEventListener("change", () => store.state.compareId && follow());
  section.hidden = true;
  host.hidden = true;
  summary.hidden = true;
  apply();
}
