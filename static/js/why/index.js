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
  // The views ask about the trained network (the API applies no edits there): say so while the
  // network above is an edited one, or a student reads the two as the same network.
  const note = $("why-edits-note");
  const showNote = () => { note.hidden = !store.state.labEdits?.length; };
  store.subscribe(["labEdits"], showNote);
  showNote();
}
