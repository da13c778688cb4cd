// What each kind of layer does, in words a teacher can read aloud. No DOM.

const CAPTIONS = {
  input:
    "The picture the network sees: 28 by 28 pixels, each a number from 0 (black) to 1 (white).",
  conv:
    "A convolution slides small stencils, called kernels, over the layer below. Each map " +
    "shows how strongly one stencil matches at each place: multiply the pixels under it by " +
    "the stencil's numbers, add them up, add a bias.",
  relu:
    "ReLU then keeps positive answers and turns negative ones into zero, so only the places " +
    "where a pattern was found stay lit.",
  maxpool:
    "Pooling shrinks each map to half its size by keeping only the strongest value of every " +
    "2 by 2 square. The pattern is still found even if it moves a little.",
  avgpool:
    "Average pooling shrinks each map by replacing every square of values with their mean.",
  flatten:
    "Flattening lays all the maps out in one long row of numbers, so the next layers can " +
    "look at everything at once. Nothing is computed here; values are only rearranged.",
  dense:
    "A dense layer: every unit looks at every number in the layer below, multiplies each by " +
    "its own weight, adds them up with a bias. It combines the patterns found so far.",
  logits:
    "The last dense layer gives one score per class. Higher means the network leans that way; " +
    "the scores are not yet probabilities.",
  softmax:
    "Softmax turns the scores into probabilities that add up to 100%: it raises e to each " +
    "score and divides by the total. The largest is the network's guess.",
  dropout:
    "Dropout does nothing here: every value passes through unchanged. While the network was " +
    "learning it switched off a random share of these units, so that no single one became indispensable.",
};

// Title words of every kind the page can draw; a kind missing here is an error, not a guess.
const TITLES = {
  input: "Input",
  conv: "Convolution",
  maxpool: "Max pooling",
  avgpool: "Average pooling",
  globalavgpool: "Global average pooling",
  flatten: "Flatten",
  dense: "Dense",
  softmax: "Output (softmax)",
  batchnorm: "Batch normalisation",
  dropout: "Dropout (identity here)",
  relu: "ReLU",
  leaky_relu: "Leaky ReLU",
  tanh: "Tanh",
  sigmoid: "Sigmoid",
  normalize: "Normalisation",
};

/** What a model's pictures show, for sentences like "Draw a digit here". */
export function subjectOf(model) {
  const dataset = String(model?.dataset ?? "").toLowerCase();
  if (dataset.includes("fashion")) return "piece of clothing";
  if (dataset.includes("mnist") || dataset === "") return "digit";
  return "picture";
}

/** The caption for a layer, given its kind and activation (LayerInfo from the API); for the
 * input (info null) its shape [C, H, W] says whether it is a colour picture. */
export function captionFor(info, isLastDense = false, shape = null) {
  if (!info && shape && shape[0] === 3) {
    return `The picture the network sees: ${shape[1]} by ${shape[2]} pixels in three maps, how much red, green and blue each pixel holds, from 0 (none) to 1 (full).`;
  }
  if (!info && shape && (shape[1] !== 28 || shape[2] !== 28)) {
    return `The picture the network sees: ${shape[1]} by ${shape[2]} pixels, each a number from 0 (black) to 1 (white).`;
  }
  if (!info) return CAPTIONS.input;
  if (info.kind === "conv") return info.activation === "relu" ? `${CAPTIONS.conv} ${CAPTIONS.relu}` : CAPTIONS.conv;
  if (info.kind === "dense" && isLastDense) return CAPTIONS.logits;
  if (info.kind === "dense" && info.activation === "relu") return `${CAPTIONS.dense} ${CAPTIONS.relu}`;
  return CAPTIONS[info.kind] ?? info.description ?? "";
}

/** A short title: "Convolution 1", "Pooling", "Output". Throws for a kind the page does not know. */
export function titleFor(name, kind) {
  if (!Object.hasOwn(TITLES, kind)) throw new Error(`The page cannot draw layer ${name}: its kind "${kind}" is unknown.`);
  return `${TITLES[kind]} · ${name}`;
}
