import test from "node:test";
import assert from "node:assert/strict";

import { classList, openedText, refusal, sizeText } from "../../static/js/models/checks.js";
import { isUploaded, mergeChoices } from "../../static/js/models/picker.js";

const MB = 1024 * 1024;

test("a model file is checked against the server's limit before it is sent", () => {
  assert.match(refusal(null, 20 * MB), /Choose a model file/);
  assert.match(refusal({ name: "cat.jpg", size: 10 }, 20 * MB), /not a model file/);
  assert.match(refusal({ name: "m.onnx", size: 0 }, 20 * MB), /empty/);
  assert.equal(refusal({ name: "Net.ONNX", size: 5 * MB }, 20 * MB), null);
  assert.equal(refusal({ name: "w.npz", size: 19 * MB }, 20 * MB), null);
  // The form's other fields travel in the same body: a file a hair under the limit is refused.
  assert.equal(refusal({ name: "m.onnx", size: 20 * MB - 100 }, 20 * MB), "That file is 20.00 MB; this server takes model files up to 19.98 MB.");
  assert.equal(refusal({ name: "m.onnx", size: 31 * MB }, 20 * MB), "That file is 31 MB; this server takes model files up to 20 MB.");
  assert.equal(sizeText(300), "1 KB");
  assert.equal(sizeText(3.26 * MB), "3.3 MB");
});

test("class names are split on commas and trimmed", () => {
  assert.deepEqual(classList(" cat, dog ,bird "), ["cat", "dog", "bird"]);
  assert.deepEqual(classList("   "), []);
});

test("an opened model is described in words", () => {
  const text = openedText({ name: "Net", input_shape: [3, 32, 24], class_names: "abcdefgh".split("") });
  assert.equal(text, "Opened Net: a 24x32 colour input, 8 classes (a, b, c, d, e, f, …).");
});

test("the picker lists the server's models, then the ones only this page knows, less removed ones", () => {
  const listed = [{ id: "mnist", name: "Digits" }, { id: "u0123456789abcdef", name: "Mine", uploaded: true }];
  const known = [{ id: "mnist", name: "Digits" }, { id: "ufedcba9876543210", name: "Other worker's" }, { id: "u1111111111111111", name: "Gone" }];
  assert.deepEqual(mergeChoices(listed, known, new Set(["u1111111111111111"])).map((c) => c.id),
    ["mnist", "u0123456789abcdef", "ufedcba9876543210"]);
  assert.ok(isUploaded("u0123456789abcdef"));
  assert.ok(!isUploaded("mnist") && !isUploaded("u0123") && !isUploaded("file-net"));
});
