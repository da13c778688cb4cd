import test from "node:test";
import assert from "node:assert/strict";

import { flatIndex, layerTable, receptiveField, strongestInputs } from "../../static/js/receptive.js";

// LeNet-5 as GET /api/models/mnist describes it (only the fields the maths reads).
const conv = (kernel, padding) => ({ type: "window", kernel, stride: 1, padding, dilation: 1, channels: "all" });
const pool = { type: "window", kernel: 2, stride: 2, padding: 0, dilation: 1, channels: "own" };
const LENET = {
  input_shape: [1, 28, 28],
  layers: [
    { name: "conv1", kind: "conv", reads: conv(5, 2), output_shape: [6, 28, 28] },
    { name: "pool1", kind: "maxpool", reads: pool, output_shape: [6, 14, 14] },
    { name: "conv2", kind: "conv", reads: conv(5, 0), output_shape: [16, 10, 10] },
    { name: "pool2", kind: "maxpool", reads: pool, output_shape: [16, 5, 5] },
    { name: "flatten", kind: "flatten", reads: { type: "flatten" }, output_shape: [400] },
    { name: "fc1", kind: "dense", reads: { type: "all" }, output_shape: [120] },
    { name: "fc2", kind: "dense", reads: { type: "all" }, output_shape: [84] },
    { name: "fc3", kind: "dense", reads: { type: "all" }, output_shape: [10] },
    { name: "softmax", kind: "softmax", reads: { type: "all" }, output_shape: [10] },
  ],
};

const box = (layer, c0, c1, y0, x0, y1, x1) => ({ layer, c0, c1, y0, x0, y1, x1 });

test("layer table lists the input first with every shape", () => {
  const table = layerTable(LENET);
  assert.deepEqual(table.map((r) => r.name), ["input", "conv1", "pool1", "conv2", "pool2", "flatten", "fc1", "fc2", "fc3", "softmax"]);
  assert.deepEqual(table[3].shape, [16, 10, 10]);
});

test("a conv2 unit in the middle, worked by hand", () => {
  // conv2 (3, 4, 7): a 5x5 window of every pool1 map, rows 4..8, columns 7..11; each pool1
  // row r covers conv1 rows 2r..2r+1 -> 8..17 and 14..23; conv1 pads by 2, so input rows
  // 8-2..17-2+4 = 6..19 and columns 12..25 of the single input channel.
  assert.deepEqual(receptiveField(LENET, "conv2", 3, 4, 7), [
    box("pool1", 0, 5, 4, 7, 8, 11),
    box("conv1", 0, 5, 8, 14, 17, 23),
    box("input", 0, 0, 6, 12, 19, 25),
  ]);
});

test("windows that reach into padding are clipped to the image", () => {
  assert.deepEqual(receptiveField(LENET, "conv2", 0, 0, 0).at(-1), box("input", 0, 0, 0, 0, 11, 11));
  assert.deepEqual(receptiveField(LENET, "conv2", 0, 9, 9).at(-1), box("input", 0, 0, 16, 16, 27, 27));
  assert.deepEqual(receptiveField(LENET, "conv1", 2, 0, 27), [box("input", 0, 0, 0, 25, 2, 27)]);
});

test("a pool unit reads only its own channel", () => {
  assert.deepEqual(receptiveField(LENET, "pool1", 4, 3, 5)[0], box("conv1", 4, 4, 6, 10, 7, 11));
  assert.deepEqual(receptiveField(LENET, "pool2", 9, 1, 2).slice(0, 2), [
    box("conv2", 9, 9, 2, 4, 3, 5),
    box("pool1", 0, 5, 2, 4, 7, 9),
  ]);
});

test("a flatten unit is exactly one unit of the map below", () => {
  // 137 = 5*25 + 2*5 + 2 -> pool2 map 5, row 2, column 2.
  const regions = receptiveField(LENET, "flatten", 137);
  assert.deepEqual(regions[0], box("pool2", 5, 5, 2, 2, 2, 2));
  assert.deepEqual(regions[1], box("conv2", 5, 5, 4, 4, 5, 5));
  assert.deepEqual(regions.at(-1), box("input", 0, 0, 6, 6, 21, 21));
});

test("a dense unit reads everything below it", () => {
  const regions = receptiveField(LENET, "fc1", 3);
  assert.deepEqual(regions[0], box("flatten", 0, 399, 0, 0, 0, 0));
  assert.deepEqual(regions[1], box("pool2", 0, 15, 0, 0, 4, 4));
  assert.deepEqual(regions.at(-1), box("input", 0, 0, 0, 0, 27, 27));
  assert.deepEqual(receptiveField(LENET, "softmax", 7)[0], box("fc3", 0, 9, 0, 0, 0, 0));
  assert.equal(receptiveField(LENET, "softmax", 7).length, 9);
});

test("units outside the layer are refused", () => {
  assert.throws(() => receptiveField(LENET, "conv2", 16, 0, 0), RangeError);
  assert.throws(() => receptiveField(LENET, "conv2", 0, 10, 0), RangeError);
  assert.throws(() => receptiveField(LENET, "nope", 0), /no layer/);
});

test("flat index follows C order", () => {
  assert.equal(flatIndex([16, 5, 5], 5, 2, 2), 137);
  assert.equal(flatIndex([84], 12), 12);
});

test("strongest inputs rank by |weight x input|", () => {
  // w (3 inputs, 2 outputs) in C order: w[i][j] at i*2 + j.
  const w = new Float32Array([1, 0, -4, 0, 0.5, 0]);
  const x = new Float32Array([2, 1, 10]);
  const top = strongestInputs(w, 2, x, 0, 2);
  assert.deepEqual(top.map((t) => t.index), [2, 1]); // products 5, -4, 2
  assert.equal(top[1].product, -4);
});

test("a layer that does not say how it reads, or reads in an unknown way, is an error", () => {
  const unsaid = { ...LENET, layers: LENET.layers.map((l) => (l.name === "pool1" ? { ...l, reads: undefined } : l)) };
  assert.throws(() => receptiveField(unsaid, "conv2", 0, 0, 0), /pool1 \(kind maxpool\)/);
  const odd = { ...LENET, layers: LENET.layers.map((l) => (l.name === "pool1" ? { ...l, kind: "spiral", reads: { type: "spiral" } } : l)) };
  assert.throws(() => receptiveField(odd, "pool2", 0, 0, 0), /unknown way: spiral/);
});

test("elementwise layers pass the box through; global pooling reads its own whole map", () => {
  const model = {
    input_shape: [3, 8, 8],
    layers: [
      { name: "c", kind: "conv", reads: { type: "window", kernel: 3, stride: 2, padding: 2, dilation: 2, channels: "all" }, output_shape: [4, 4, 4] },
      { name: "bn", kind: "batchnorm", reads: { type: "same" }, output_shape: [4, 4, 4] },
      { name: "gap", kind: "globalavgpool", reads: { type: "channel" }, output_shape: [4] },
    ],
  };
  // c row 1 reads input rows 1*2 - 2 + 0, 2, 4 -> 0..4 (dilation 2 spans 2*(3-1) = 4 rows).
  assert.deepEqual(receptiveField(model, "bn", 2, 1, 0), [box("c", 2, 2, 1, 0, 1, 0), box("input", 0, 2, 0, 0, 4, 2)]);
  assert.deepEqual(receptiveField(model, "gap", 3)[0], box("bn", 3, 3, 0, 0, 3, 3));
});
