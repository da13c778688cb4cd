// The two answers side by side in plain words, and which network is the surer. No DOM.

import { percent, topTwo } from "../format.js";

/** One side's answer: {name, p} with the class name its model gives, or null without a trace. */
export function answerOf(trace, model) {
  if (!trace) return null;
  const [first] = topTwo(trace.probabilities);
  const name = model?.class_names?.[first.index] ?? String(first.index);
  return { name, p: first.p };
}

/**
 * A sentence comparing two answers ({name, p} each; labels are the sides' names as the
 * page shows them, "left" and "right" or "top" and "bottom"). Confidence is the
 * probability of the answer given; within half a percentage point it counts as the same.
 */
export function verdict(a, b, [labelA, labelB]) {
  if (!a || !b) return "";
  const agree = a.name === b.name ? `Both say ${a.name}` : `They disagree: ${a.name} on the ${labelA}, ${b.name} on the ${labelB}`;
  const gap = a.p - b.p;
  if (Math.abs(gap) < 0.005) return `${agree}, and they are about as sure (${percent(a.p)} and ${percent(b.p)}).`;
  const [surer, other, pSurer, pOther] = gap > 0 ? [labelA, labelB, a.p, b.p] : [labelB, labelA, b.p, a.p];
  return `${agree}; the ${surer} network is more confident (${percent(pSurer)} against ${percent(pOther)} on the ${other}).`;
}
