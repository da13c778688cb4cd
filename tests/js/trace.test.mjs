import test from "node:test";
import assert from "node:assert/strict";

import { decodeTensors, decodeTrace, decodeWeights, inputPixel, pixelsOf } from "../../static/js/trace.js";
import { captionFor, subjectOf, titleFor } from "../../static/js/captions.js";
import { shiftText } from "../../static/js/answer.js";

const b64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64");
const f16 = (bits) => ({ shape: [bits.length], dtype: "float16", data: b64(new Uint16Array(bits)) });

function fakeTrace() {
  const input = new Uint8Array(4 * 4);
  input[5] = 255;
  input[6] = 51;
  return {
    model: "tiny",
    label: 1,
    class_name: "one",
    probabilities: [0.25, 0.75],
    input: { shape: [1, 4, 4], dtype: "uint8", data: b64(input) },
    layers: [
      {
        name: "fc", kind: "dense", shape: [2], min: 0, max: 2,
        output: f16([0x0000, 0x4000]), // 0, 2
        weighted_input: f16([0xbc00, 0x4000]), weighted_min: -1, weighted_max: 2, // -1, 2
      },
      { name: "softmax", kind: "softmax", shape: [2], min: 0.25, max: 0.75, output: f16([0x3400, 0x3a00]) },
    ],
    preprocessing: { inverted: true, steps: [{ name: "centred", caption: "c", width: 4, height: 4, image: "data:image/png;base64,AA==" }] },
    timing_us: { total: 1500 },
  };
}

test("a trace decodes into typed layers in order, the input as byte / 255", () => {
  const t = decodeTrace(fakeTrace());
  assert.deepEqual(t.order, ["fc", "softmax"]);
  assert.equal(t.label, 1);
  assert.equal(t.className, "one");
  const fc = t.layers.get("fc");
  assert.deepEqual(Array.from(fc.output), [0, 2]);
  assert.deepEqual(Array.from(fc.weighted), [-1, 2]);
  assert.deepEqual(fc.weightedRange, [-1, 2]);
  assert.deepEqual(Array.from(t.layers.get("softmax").output), [0.25, 0.75]);
  assert.equal(t.input.output[5], 1);
  assert.equal(t.input.output[6], Math.fround(0.2));
  assert.equal(t.preprocessing.steps[0].image, "data:image/png;base64,AA==");
});

test("pixels for /api/explain are the input's rows", () => {
  const rows = pixelsOf(decodeTrace(fakeTrace()));
  assert.equal(rows.length, 4);
  assert.equal(rows[1][1], 1);
  assert.equal(rows[0].length, 4);
});

test("weights and explanations decode their tensors and keep the rest", () => {
  const w = decodeWeights({ layers: [{ name: "fc", w: { shape: [1, 2], dtype: "float32", data: b64(new Float32Array([3, -4])) }, b: { shape: [2], dtype: "float32", data: b64(new Float32Array([0, 1])) } }] });
  assert.deepEqual(Array.from(w.fc.w.data), [3, -4]);
  const e = decodeTensors({ kind: "conv", sum: 1.5, patch: { shape: [1], dtype: "float32", data: b64(new Float32Array([7])) } });
  assert.equal(e.sum, 1.5);
  assert.deepEqual(Array.from(e.patch.data), [7]);
});

test("every layer kind has a caption and a title", () => {
  for (const kind of ["conv", "maxpool", "avgpool", "flatten", "dense", "softmax"]) {
    assert.ok(captionFor({ kind, activation: kind === "conv" ? "relu" : null }).length > 40, kind);
    assert.match(titleFor("x", kind), /· x$/);
  }
  assert.match(captionFor(null), /28 by 28/);
  assert.match(captionFor({ kind: "conv", activation: "relu" }), /ReLU/);
  assert.match(captionFor({ kind: "dense", activation: null }, true), /score/);
});

test("the centring shift reads in words", () => {
  assert.equal(shiftText([4, -0.5]), "moved 4 px down and 0.5 px left to centre its mass");
  assert.equal(shiftText([0, 0]), "already centred on its mass");
  // Clothes are centred by their bounding box, as Fashion-MNIST was made.
  assert.equal(shiftText([0.5, 0], "box"), "moved 0.5 px down to centre its box");
});

test("an input pixel is the trace's byte and byte / 255, worked out without the server", () => {
  const t = decodeTrace(fakeTrace());
  assert.deepEqual(inputPixel(t, { channel: 0, y: 1, x: 2 }), { channel: 0, y: 1, x: 2, byte: 51, value: 0.2 });
  assert.equal(inputPixel(t, { channel: 0, y: 1, x: 1 }).value, 1);
  assert.equal(inputPixel(t, { channel: 0, y: 0, x: 0 }).byte, 0);
  assert.equal(inputPixel(t, { channel: 0, y: 4, x: 0 }), null);
});

test("sentences name what a model's pictures show", () => {
  assert.equal(subjectOf({ dataset: "mnist" }), "digit");
  assert.equal(subjectOf({ dataset: "fashion-mnist" }), "piece of clothing");
  assert.equal(subjectOf(null), "digit"); // before the model has loaded
  assert.equal(subjectOf({ dataset: "cifar" }), "picture");
});

test("a flatten layer sent as the map below it reads that map's numbers in C order", () => {
  const json = fakeTrace();
  const pool = {
    name: "pool", kind: "maxpool", shape: [2, 1, 2], min: 0, max: 3,
    output: { shape: [2, 1, 2], dtype: "float16", data: b64(new Uint16Array([0x0000, 0x3c00, 0x4000, 0x4200])) }, // 0 1 2 3
  };
  const flat = { name: "flat", kind: "flatten", shape: [4], min: 0, max: 3, same_as: "pool" };
  json.layers = [pool, flat, ...json.layers];
  const t = decodeTrace(json);
  assert.deepEqual(Array.from(t.layers.get("flat").output), [0, 1, 2, 3]);
  assert.deepEqual(t.layers.get("flat").range, [0, 3]);
  assert.deepEqual(t.layers.get("flat").shape, [4]);
});

test("every layer kind the server defines has a title; an unknown kind is an error", () => {
  for (const kind of ["batchnorm", "dropout", "relu", "leaky_relu", "tanh", "sigmoid", "globalavgpool", "normalize"]) {
    assert.match(titleFor("x", kind), /· x$/);
  }
  assert.throws(() => titleFor("odd", "spiral"), /odd.*"spiral" is unknown/);
  assert.match(captionFor({ kind: "batchnorm", description: "Shifted and scaled." }), /Shifted/);
  assert.match(captionFor({ kind: "dropout" }), /unchanged/);
  assert.match(captionFor(null, false, [3, 32, 32]), /32 by 32 .*red, green and blue/);
  assert.match(captionFor(null, false, [1, 28, 28]), /28 by 28/);
});
