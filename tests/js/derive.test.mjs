import test from "node:test";
import assert from "node:assert/strict";

import { avgPool, conv, expandCompact, maxPool, softmax } from "../../static/js/derive.js";

const b64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64");
const f32tensor = (shape, values) => ({ shape, dtype: "float32", data: b64(Float32Array.from(values)) });

test("max pool takes each window's largest value and names the first of equals", () => {
  // One 4x4 map, 2x2 windows: worked by hand.
  const x = [1, 5, 0, 0, 2, 3, 0, 0, -1, -2, 7, 7, -3, -4, 7, 1];
  const { out, argmax } = maxPool(x, [1, 4, 4], 2, 2);
  assert.deepEqual(Array.from(out), [5, 0, -1, 7]);
  assert.deepEqual(Array.from(argmax), [1, 0, 0, 0]);
});

test("average pool averages each window", () => {
  assert.deepEqual(Array.from(avgPool([1, 2, 3, 6], [1, 2, 2], 2, 2)), [3]);
});

test("softmax of logits 0 and ln 3 is 1/4 and 3/4", () => {
  const [a, b] = softmax([0, Math.log(3)]);
  assert.ok(Math.abs(a - 0.25) < 1e-7 && Math.abs(b - 0.75) < 1e-7);
  assert.equal(a, Math.fround(a)); // float32 values, as the server's
});

test("a logit far above the rest gives exactly 1 in float32, as the server's softmax does", () => {
  const [top, other] = softmax(Float32Array.from([20, 0]));
  assert.equal(top, 1); // e^-20 is below half a float32 step of 1
  assert.ok(other > 0 && other < 1e-8);
});

test("a compact trace of a tiny network is made whole", () => {
  const model = {
    id: "tiny",
    class_names: ["no", "yes"],
    layers: [
      { name: "c", kind: "conv", activation: "relu", input_shape: [1, 2, 2], output_shape: [1, 2, 2] },
      { name: "p", kind: "maxpool", kernel: 2, stride: 2, input_shape: [1, 2, 2], output_shape: [1, 1, 1] },
      { name: "f", kind: "flatten", input_shape: [1, 1, 1], output_shape: [1] },
      { name: "d", kind: "dense", activation: null, input_shape: [1], output_shape: [2] },
      { name: "s", kind: "softmax", input_shape: [2], output_shape: [2] },
    ],
  };
  const json = {
    model: "tiny",
    detail: "compact",
    input: { shape: [1, 2, 2], dtype: "uint8", data: b64(Uint8Array.from([0, 255, 51, 0])) },
    weighted_inputs: { c: f32tensor([1, 2, 2], [-1, 2, 2, 0.5]), d: f32tensor([2], [0, Math.log(3)]) },
    argmax_exceptions: { p: [[0, 2]] }, // the server's float32 values said the second 2 won
  };
  const trace = expandCompact(json, model);
  assert.deepEqual(Array.from(trace.layers.get("c").output), [0, 2, 2, 0.5]);
  assert.deepEqual(trace.layers.get("c").range, [0, 2]);
  assert.deepEqual(trace.layers.get("c").weightedRange, [-1, 2]);
  assert.deepEqual(Array.from(trace.layers.get("p").output), [2]);
  assert.deepEqual(Array.from(trace.layers.get("p").argmax), [2]);
  assert.equal(trace.layers.get("f").output, trace.layers.get("p").output);
  assert.equal(trace.label, 1);
  assert.equal(trace.className, "yes");
  assert.ok(Math.abs(trace.probabilities[1] - 0.75) < 1e-6);
  assert.deepEqual(Array.from(trace.input.bytes), [0, 255, 51, 0]);
  assert.ok(Math.abs(trace.input.output[2] - 0.2) < 1e-7);
  assert.deepEqual(trace.order, ["c", "p", "f", "d", "s"]);
});

test("an unknown layer kind or activation is refused, not guessed", () => {
  const json = { model: "m", input: { shape: [1], dtype: "uint8", data: b64(Uint8Array.from([0])) }, weighted_inputs: { d: f32tensor([1], [1]) } };
  const layer = { name: "d", kind: "dense", input_shape: [1], output_shape: [1] };
  assert.throws(() => expandCompact(json, { id: "m", layers: [{ ...layer, kind: "lstm" }] }), /unknown layer kind lstm/);
  assert.throws(() => expandCompact(json, { id: "m", layers: [{ ...layer, activation: "swish" }] }), /unknown activation swish/);
  assert.throws(() => expandCompact(json, { id: "other", layers: [layer] }), /needs that model/);
});

test("a conv layer's weighted input from its input and weights, zero padding included", () => {
  // A 2x2 input, one 3x3 kernel of ones, padding 1: each output sums the inputs around it.
  const x = [1, 2, 3, 4];
  const z = conv(x, [1, 2, 2], new Array(9).fill(1), [0.5], [1, 3, 3], 1, 1);
  assert.deepEqual(Array.from(z), [10.5, 10.5, 10.5, 10.5]);
  const corner = conv(x, [1, 2, 2], [0, 0, 0, 0, 1, 0, 0, 0, 0], [0], [1, 3, 3], 1, 1); // the identity kernel
  assert.deepEqual(Array.from(corner), x);
});

test("a first layer named in from_weights is worked out from the weights", () => {
  const model = {
    id: "w",
    layers: [{ name: "c", kind: "conv", activation: "relu", stride: 1, padding: 0, input_shape: [1, 1, 2], output_shape: [1, 1, 1] }],
  };
  const json = {
    model: "w",
    input: { shape: [1, 1, 2], dtype: "uint8", data: b64(Uint8Array.from([255, 51])) },
    weighted_inputs: {},
    from_weights: ["c"],
  };
  const weights = { c: { w: { shape: [1, 1, 1, 2], data: Float32Array.from([2, -20]) }, b: { shape: [1], data: Float32Array.from([1]) } } };
  const trace = expandCompact(json, model, weights);
  assert.ok(Math.abs(trace.layers.get("c").weighted[0] - (2 - 4 + 1)) < 1e-6);
  assert.deepEqual(Array.from(trace.layers.get("c").output), [0]);
  assert.throws(() => expandCompact(json, model, null), /weights of c/);
});
