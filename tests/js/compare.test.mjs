import test from "node:test";
import assert from "node:assert/strict";

import { pairLayer, pairUnit } from "../../static/js/compare/geometry.js";
import { verdict } from "../../static/js/compare/verdict.js";
import { preparationText } from "../../static/js/compare/index.js";

// Networks as GET /api/models/{id} describes them (only the fields the pairing reads).
const win = (kernel, stride, padding, channels = "all") => ({ type: "window", kernel, stride, padding, dilation: 1, channels });
const layer = (name, kind, reads, output_shape) => ({ name, kind, reads, output_shape });
const lenet = (conv2Padding = 0, names = ["conv1", "pool1", "conv2"]) => ({
  input_shape: [1, 28, 28],
  layers: [
    layer(names[0], "conv", win(5, 1, 2), [6, 28, 28]),
    layer(names[1], "maxpool", win(2, 2, 0, "own"), [6, 14, 14]),
    layer(names[2], "conv", win(5, 1, conv2Padding), conv2Padding ? [16, 14, 14] : [16, 10, 10]),
    layer("flatten", "flatten", { type: "flatten" }, conv2Padding ? [3136] : [1600]),
    layer("fc", "dense", { type: "all" }, [10]),
  ],
});

test("layers are paired by position, whatever their names", () => {
  const other = lenet(0, ["c1", "p1", "c2"]);
  assert.deepEqual(pairUnit({ layer: "conv2", channel: 3, y: 4, x: 5 }, lenet(), other), { unit: { layer: "c2", channel: 3, y: 4, x: 5 } });
  assert.deepEqual(pairUnit({ layer: "fc", index: 7 }, lenet(), other), { unit: { layer: "fc", index: 7 } });
  assert.deepEqual(pairUnit({ layer: "input", channel: 0, y: 27, x: 0 }, lenet(), other), { unit: { layer: "input", channel: 0, y: 27, x: 0 } });
});

test("a difference at or below the hovered layer is said, naming the layer and how it reads", () => {
  assert.equal(pairLayer(lenet(), lenet(2), "pool1").ok, true); // alike up to pool1
  const { unit, reason } = pairUnit({ layer: "conv2", channel: 0, y: 0, x: 0 }, lenet(), lenet(2));
  assert.equal(unit, null);
  assert.match(reason, /layer 3/);
  assert.match(reason, /conv \(kernel 5, stride 1, padding 0\)/);
  assert.match(reason, /conv \(kernel 5, stride 1, padding 2\)/);
  // Below the hovered layer: fc reads everything, but what it reads was computed differently.
  assert.match(pairUnit({ layer: "fc", index: 1 }, lenet(), lenet(2)).reason, /at layer 3, below fc/);
});

test("a max pool and an average pool of the same window do not count as the same", () => {
  const avg = lenet();
  avg.layers[1] = { ...avg.layers[1], kind: "avgpool" };
  assert.equal(pairLayer(lenet(), avg, "pool1").ok, false);
  assert.equal(pairLayer(lenet(), avg, "conv1").ok, true);
});

test("pictures of another size, missing maps and missing layers are said in words", () => {
  const colour = { ...lenet(), input_shape: [3, 32, 32] };
  assert.match(pairUnit({ layer: "conv1", channel: 0, y: 0, x: 0 }, lenet(), colour).reason, /28×28 and 32×32/);
  const fewer = lenet();
  fewer.layers[0] = { ...fewer.layers[0], output_shape: [4, 28, 28] };
  assert.match(pairUnit({ layer: "conv1", channel: 5, y: 1, x: 1 }, lenet(), fewer).reason, /4 maps, so there is no map 5/);
  const short = { ...lenet(), layers: lenet().layers.slice(0, 2) };
  assert.match(pairUnit({ layer: "conv2", channel: 0, y: 0, x: 0 }, lenet(), short).reason, /only 2 layers/);
});

test("the verdict names the surer side, or says they are about as sure", () => {
  const seven = (p) => ({ name: "7", p });
  assert.equal(
    verdict(seven(0.9731), seven(0.5), ["left", "right"]),
    "Both say 7; the left network is more confident (97.3% against 50.0% on the right).",
  );
  assert.equal(
    verdict(seven(0.41), { name: "1", p: 0.88 }, ["upper", "lower"]),
    "They disagree: 7 on the upper, 1 on the lower; the lower network is more confident (88.0% against 41.0% on the upper).",
  );
  assert.equal(verdict(seven(0.801), seven(0.798), ["left", "right"]), "Both say 7, and they are about as sure (80.1% and 79.8%).");
  assert.equal(verdict(null, seven(0.5), ["left", "right"]), "");
});

test("preparations in words", () => {
  assert.equal(preparationText({ box: 20, centre: "mass", kind: "ink" }), "scaled to 20 pixels and centred by the mass of its ink");
  assert.equal(preparationText({ box: 28, centre: "box", kind: "ink" }), "its box centred and scaled to 28 pixels");
});
