// The "why" area: saliency, exemplars, mistakes and the adversary, each a view of its own.

import { AdversaryView } from "./adversary.js";
import { ExemplarsView } from "./exemplars.js";
import { MistakesView } from "./mistakes.js";
import { Samples } from "./request.js";
import { SaliencyView } from "./saliency.js";

/** Build the four views in their containers; loadPicture(bytes) shows a test picture in the visualizer. */
export function wireWhy(store, api, { loadPicture }) {
  const $ = (id) => document.getElementById(id);
  if (!$("why")) return;
  const samples = new Samples(api);
  new SaliencyView($("why-saliency"), store, api);
  new ExemplarsView($("why-exemplars"), store, api, samples);
  new MistakesView($("why-mistakes"), store, api, samples, { loadPicture, trueLabel: $("why-true-label") });
  new AdversaryView($("why-adversary"), store, api);
}
