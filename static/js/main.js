// Start-up: one store, the API, the components, and the path from a stroke to a repaint.

import { Api } from "./api.js";
import { AnswerView } from "./answer.js";
import { DrawPad } from "./drawpad.js";
import { ExplainPanel } from "./explain.js";
import { Highlighter } from "./highlight.js";
import { addKernelViews } from "./kernels.js";
import { wireKeyboard } from "./keyboard.js";
import { Latest } from "./latest.js";
import { NetworkLayout } from "./layout.js";
import { Magnifier } from "./magnifier.js";
import { PanelPlacement } from "./panel-place.js";
import { NetworkView } from "./network.js";
import { prepareDrawing } from "./prepare-input.js";
import { INITIAL, Store, fromHash } from "./state.js";
import { decodeTrace, decodeWeights } from "./trace.js";
import { wireUploads } from "./upload.js";
import { wireAddress } from "./address.js";
import { addExamples, fitsModel, predictPixels } from "./examples.js";
import { PadPicture, padIsBlank, stepImages } from "./pad-picture.js";
import { InkPalette } from "./ink-palette.js";
import { wireLabs } from "./labs/labs.js";
import { wireWhy } from "./why/index.js";
import { TrainPanel } from "./train/panel.js";
import { wireCompare } from "./compare/index.js";
import { LiveWatch, isLive } from "./train/live.js";
import { Timeline } from "./train/timeline.js";
import { ModelPicker } from "./models/picker.js";
import { OwnModelPanel } from "./models/own-model.js";

const $ = (id) => document.getElementById(id);

function showStatus(store) {
  const line = $("status");
  store.subscribe(["status"], ({ status }) => {
    line.textContent = status.text;
    line.dataset.kind = status.kind;
  });
}

function wireViewSettings(store) {
  const large = $("large-toggle");
  const apply = () => {
    document.documentElement.classList.toggle("large", store.state.large);
    large.setAttribute("aria-pressed", String(store.state.large));
  };
  large.addEventListener("click", () => store.set({ large: !store.state.large }));
  store.subscribe(["large"], apply);
  apply();
}

function wireTools(pad) {
  const pen = $("tool-pen");
  const eraser = $("tool-eraser");
  const pick = (erasing) => {
    pad.erasing = erasing;
    pen.setAttribute("aria-pressed", String(!erasing));
    eraser.setAttribute("aria-pressed", String(erasing));
  };
  pen.addEventListener("click", () => pick(false));
  eraser.addEventListener("click", () => pick(true));
  const size = $("brush-size");
  size.addEventListener("input", () => (pad.size = Number(size.value)));
  pad.size = Number(size.value);
  $("undo").addEventListener("click", () => pad.undo());
  $("clear").addEventListener("click", () => pad.clear());
}

async function start() {
  const body = document.body;
  const store = new Store({ ...INITIAL, modelId: body.dataset.model });
  const api = new Api(body.dataset.apiRoot || "/api");
  showStatus(store);
  const fail = (err) => store.set({ status: { kind: "error", text: err.message } });
  // Never a stack trace on the page: a sentence in the status line (the console keeps the details).
  const oops = () => store.set({ status: { kind: "error", text: "Something went wrong on the page. Reload it to start again." } });
  window.addEventListener("unhandledrejection", oops);
  window.addEventListener("error", oops);

  // One trace at a time, the latest wins; every applied answer repaints synchronously. Each
  // job carries its source ("drawing" | "upload"), applied only with its own answer.
  let appliedAt = 0;
  let lastJson = null;
  let wanted = "drawing"; // the source of the newest request asked for
  let lastFile = null; // the last photo shown, re-read when the model changes
  const predictions = new Latest(
    (json, key, { source, file, version }) => {
      lastJson = json;
      if (source === "upload") lastFile = file;
      const trace = decodeTrace(json, store.state.model, store.state.weights);
      store.set({ trace, source, equivariance: json.equivariance ?? null, status: { kind: "idle", text: "" } });
      appliedAt = performance.now();
      body.dataset.traces = String(Number(body.dataset.traces || 0) + 1);
      const serverMs = (json.timing_us?.total ?? 0) / 1000;
      const detail = { key, at: appliedAt, serverMs, source, version };
      document.dispatchEvent(new CustomEvent("cnnvis:rendered", { detail }));
    },
    (err, key, { source } = {}) => {
      // The pad holds no ink (all rubbed out): its old answer no longer describes it. A failed
      // upload leaves the previous answer, with its own source, where it was.
      if (source === "upload") return uploads.say(err.message, "error"); // said next to the upload button
      if (source === "drawing" && err.status === 422) {
        lastJson = null;
        store.set({ trace: null, source: "drawing", explainOpen: false, status: { kind: "idle", text: "Nothing left on the pad to read." } });
        return;
      }
      fail(err);
    },
  );

  // A drawing is prepared on the page and sent as 784 bytes; the answer is a compact trace
  // the page makes whole. While a stroke is drawn the preprocessing pictures are left out;
  // the stroke's end makes them, so the last ones shown stay until then. `?wire=png` keeps
  // the older way (the whole pad as a PNG, prepared by the server) for comparison.
  const sendPng = new URLSearchParams(location.search).get("wire") === "png";
  // The last drawing prepared, kept with its pictures for its pad version and model: the labs
  // ask again for the same drawing on every step of a slider, and preparing it again (and
  // making its pictures) each time would cost the page more than showing the answer.
  let made = null; // {version, modelId, prepared, pictures}
  const prepareOnce = (p, model) => {
    if (made?.version !== p.version || made.modelId !== model.id) {
      const { data, width, height } = p.rgba();
      const prepared = prepareDrawing(data, width, height, model); // NoInk is a 422 like the server's
      made = { version: p.version, modelId: model.id, prepared, pictures: null };
    }
    return made;
  };
  const askDrawing = async (p, steps, signal) => {
    const model = store.state.model;
    if (sendPng || !model) return api.predictImage(store.state.modelId, p.snapshot(), signal, steps);
    const drawing = prepareOnce(p, model);
    const { prepared } = drawing;
    // The compact trace leaves the first layer to the page, which needs the weights for it.
    // A model as it trains changes under the page's weights: the server traces every layer.
    const detail = store.state.weights && !isLive(store.state.modelId) ? "compact" : "full";
    const json = await api.predictPixels(model.id, prepared.pixels, signal, steps, detail, prepared.shape);
    if (steps) drawing.pictures ??= stepImages(prepared.steps());
    json.preprocessing = { ...prepared.info, steps: steps ? drawing.pictures : [] };
    return json;
  };
  const ask = (p, steps) => [(signal) => askDrawing(p, steps, signal), { source: "drawing", version: p.version }];
  const askFinal = (p) => {
    const key = `${p.version} final`;
    // The same drawing is already on its way: let it land, then fetch the pictures.
    if (predictions.inFlightKey === p.version) predictions.push(key, ...ask(p, true));
    else predictions.preempt(key, ...ask(p, true));
  };
  const askUpload = (file) => {
    wanted = "upload";
    predictions.drop();
    predictions.push(undefined, (signal) => api.upload(store.state.modelId, file, signal), { source: "upload", file });
  };
  // A prepared input: an example ("example") or a shared link's ("shared").
  let pendingPixels = null; // the last prepared input asked for, kept until a model change re-asks it
  const askPixels = (bytes, source) => {
    wanted = source;
    pendingPixels = bytes;
    predictions.drop();
    const shape = store.state.model?.input_shape;
    predictions.push(undefined, (signal) => predictPixels(api, store.state.modelId, bytes, signal, shape), { source });
  };
  const emptied = () => {
    wanted = "drawing";
    predictions.drop();
    lastJson = null;
    store.set({ trace: null, source: "drawing", explainOpen: false, status: { kind: "idle", text: "" } });
  };
  const pad = new DrawPad($("draw-pad"), {
    onChange: (p) => {
      if (wanted !== "drawing") {
        predictions.drop(); // a photo still on its way is not wanted now
        if (store.state.status.kind === "busy") store.set({ status: { kind: "idle", text: "" } });
      }
      if (padIsBlank(p)) return emptied(); // nothing drawn, or all rubbed out: nothing to ask about
      wanted = "drawing";
      predictions.push(p.version, ...ask(p, false));
    },
    // The stroke is finished: an answer to an older drawing is not worth waiting for.
    onStrokeEnd: (p) => {
      wanted = "drawing";
      if (!padIsBlank(p)) askFinal(p);
    },
    onEmpty: emptied,
  });
  const picture = new PadPicture(pad, store);
  wireTools(pad);
  new InkPalette($("tool-pen").parentElement, pad, store); // colour inks for a colour model
  wireViewSettings(store);

  const uploads = wireUploads({ input: $("upload"), dropZone: $("drop-zone"), message: $("upload-message"), picture, onFile: askUpload }, store);

  const network = new NetworkView($("layers"), store);
  const layout = new NetworkLayout({ layers: $("layers"), button: $("overview-toggle") }, store, network);
  new Magnifier($("magnifier"), store, network);
  new Highlighter(store, network, { svg: $("trace-lines"), tip: $("unit-tip"), host: $("network") });
  new AnswerView(
    { prediction: $("prediction"), guesses: $("guesses"), section: $("preprocessing"), steps: $("preprocessing-steps"), note: $("preprocessing-note"), hint: $("pad-hint"), pad: $("draw-pad") },
    store,
  );
  const detail = { panel: $("unit-detail"), title: $("detail-title"), body: $("detail-body"), close: $("detail-close") };
  new ExplainPanel(detail, store, api);
  new PanelPlacement($("unit-detail"), store, network);
  wireKeyboard({ container: $("network"), announce: $("announce") }, store, network, pad);

  // Load a model's architecture (rows are built from it) and then its weights.
  let dropKernels = () => {};
  const loadModel = async (id) => {
    // What is shown, or an example or shared input whose answer is still on its way.
    const asked = wanted === "example" || wanted === "shared" ? wanted : null;
    const shown = store.state.trace ? store.state.source : asked && pendingPixels ? asked : null;
    const shownInput = store.state.trace?.input.bytes ?? pendingPixels;
    predictions.drop();
    delete body.dataset.ready;
    delete body.dataset.weights;
    store.set({
      modelId: id, model: null, weights: null, trace: null, hover: null, selection: null,
      explainOpen: false, status: { kind: "busy", text: "Loading the network…" },
    });
    try {
      const model = await api.model(id);
      store.set({ model, status: { kind: "idle", text: "" } });
      dropKernels();
      network.build(model);
      dropKernels = addKernelViews(network, store);
      layout.fit();
      body.dataset.ready = "true";
      // The same input, the new model: the photo if one was shown, else the drawing.
      if (shown === "upload" && lastFile) askUpload(lastFile);
      else if ((shown === "example" || shown === "shared") && fitsModel(shownInput, model)) askPixels(shownInput, shown);
      else if (!padIsBlank(pad)) askFinal(pad);
      const weights = await api.weights(id);
      if (store.state.modelId !== id) return;
      store.set({ weights: decodeWeights(weights) });
      body.dataset.weights = "loaded";
    } catch (err) {
      fail(err);
    }
  };
  const select = $("model-select");
  select.addEventListener("change", (e) => loadModel(e.target.value));
  const modelIds = Array.from(select.options, (o) => o.value);
  const picker = new ModelPicker(select, modelIds); // keeps modelIds in step with the list shown
  const switchTo = async (id) => {
    if (id === store.state.modelId && store.state.model) return;
    select.value = id;
    await loadModel(id);
  };
  const showExample = async (id, bytes) => {
    await switchTo(id);
    askPixels(bytes, "example");
  };
  addExamples($("examples"), { modelIds, load: showExample });
  // The labs ask again for the input shown, with their edits and transform.
  const retrace = (bytes) => {
    // A drawing is asked again under no key: the same drawing's answer in flight has the old
    // settings. Its pictures only when they were not made yet: a lab changes the network or
    // moves the prepared input, never the drawing's preparation, whose pictures stay shown.
    const pictured = made?.version === pad.version && made.pictures !== null;
    if (store.state.source === "drawing" && !padIsBlank(pad)) predictions.preempt(undefined, ...ask(pad, !pictured));
    else if (bytes) askPixels(bytes, store.state.source === "upload" ? "example" : store.state.source);
  };
  wireLabs($("labs"), { store, api, retrace });
  wireWhy(store, api, { loadPicture: (bytes) => askPixels(bytes, "example") });
  // While a model trains the network view shows it as it is now (train/live.js); when it is
  // done it joins the picker and is shown at once.
  let beforeTraining = null;
  const liveOption = () => (select ? Array.from(select.options).find((o) => isLive(o.value)) : null);
  const live = new LiveWatch({
    show: async (id) => {
      beforeTraining = isLive(store.state.modelId) ? beforeTraining : store.state.modelId;
      liveOption()?.remove();
      select?.add(new Option("Training now…", id));
      await switchTo(id);
      const kernels = $("layers").querySelector("details.kernels");
      if (kernels) kernels.open = true; // the first conv layer's kernels, changing as it learns
    },
    refresh: async (id) => {
      if (store.state.modelId !== id) return;
      const weights = await api.weights(id);
      if (store.state.modelId !== id) return;
      store.set({ weights: decodeWeights(weights) });
      retrace(store.state.trace?.input.bytes);
    },
  });
  const apiRoot = body.dataset.apiRoot || "/api";
  const train = new TrainPanel($("train"), {
    apiRoot,
    onLive: (id) => live.start(id),
    onSnapshot: (n) => live.snapshot(n),
    onEnd: () => {
      live.stop();
      liveOption()?.remove();
      if (isLive(store.state.modelId) && beforeTraining) switchTo(beforeTraining);
    },
    onModel: (id, name) => {
      live.stop();
      liveOption()?.remove();
      picker.add(id, name);
      switchTo(id);
    },
  });
  wireCompare($("compare"), {
    host: $("compare-network"), summary: $("compare-summary"), button: $("compare-toggle"),
    store, api, network, pad, refit: () => layout.fit(), detail,
  });
  new Timeline($("timeline"), store, { apiRoot, showModel: (id) => loadModel(id) });
  // Your own model: uploaded beside the picker; a link to one the page does not list is looked
  // up, and one the server removed is said so in words, before the address is applied.
  const own = new OwnModelPanel({ root: $("own-model"), toggle: $("own-model-toggle") }, { api, store, picker, switchTo, fallback: body.dataset.model });
  await own.find(fromHash(location.hash).modelId);
  picker.refresh(api).catch(() => {}); // models trained or uploaded since the page was made
  await wireAddress(store, { modelIds, fallbackModel: body.dataset.model, switchTo, askPixels });
  train.resume(); // a job this tab started before a reload: its events again, from the start

  // A hook for bench/bench_page.py: decode the last trace again and redraw every layer.
  document.addEventListener("cnnvis:measure-redraw", () => {
    if (!lastJson) return;
    const t = performance.now();
    store.set({ trace: decodeTrace(lastJson, store.state.model, store.state.weights) });
    body.dataset.redrawMs = String(performance.now() - t);
  });
}

start();
