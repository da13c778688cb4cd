import test from "node:test";
import assert from "node:assert/strict";

import { INITIAL, MAX_INPUT_BYTES, PROPS, Store, decodeInput, encodeInput, fromHash, sameUnit, toHash, unitFromText, unitToText } from "../../static/js/state.js";

test("listeners hear only the keys they asked for, once per change", () => {
  const store = new Store(INITIAL);
  const heard = [];
  store.subscribe(["trace"], (_, changed) => heard.push(changed));
  store.set({ hover: { layer: "conv1", channel: 0, y: 1, x: 2 } });
  store.set({ trace: 1, large: true });
  store.set({ trace: 1 }); // unchanged: no call
  assert.deepEqual(heard, [["trace", "large"]]);
});

test("unsubscribe stops the calls", () => {
  const store = new Store(INITIAL);
  let calls = 0;
  const stop = store.subscribe(null, () => calls++);
  store.set({ large: true });
  stop();
  store.set({ large: false });
  assert.equal(calls, 1);
});

test("hiding toggles and views are per layer", () => {
  const store = new Store(INITIAL);
  store.toggleHidden("conv1");
  store.toggleHidden("pool1");
  store.toggleHidden("conv1");
  assert.deepEqual(store.state.hidden, ["pool1"]);
  store.setView("conv2", "weighted_input");
  assert.deepEqual(store.state.views, { conv2: "weighted_input" });
});

test("view settings are written as hand-written text says", () => {
  const state = { ...INITIAL, hidden: ["conv1", "fc2"], views: { conv2: "weighted_input", conv1: "output" }, large: true };
  assert.equal(toHash(state), "hide=conv1,fc2&pre=conv2&large=1");
});

test("a whole view round-trips through the address", () => {
  const bytes = new Uint8Array(784);
  bytes[300] = 255;
  bytes[301] = 7;
  bytes[783] = 1;
  const state = {
    ...INITIAL,
    modelId: "fashion",
    trace: { input: { bytes } },
    selection: { layer: "conv2", channel: 3, y: 4, x: 6 },
    explainOpen: true,
    hidden: ["pool1"],
    views: { conv1: "weighted_input" },
    large: true,
    overview: true,
  };
  const back = fromHash(`#${toHash(state)}`);
  assert.equal(back.modelId, "fashion");
  assert.deepEqual(Array.from(back.input), Array.from(bytes));
  assert.deepEqual(back.selection, state.selection);
  assert.equal(back.explainOpen, true);
  assert.deepEqual(back.hidden, ["pool1"]);
  assert.deepEqual(back.views, { conv1: "weighted_input" });
  assert.equal(back.large, true);
  assert.equal(back.overview, true);
});

test("the defaults leave no trace in the address, and an empty address gives the defaults", () => {
  assert.equal(toHash(INITIAL), "");
  const back = fromHash("");
  for (const prop of PROPS) assert.deepEqual(back[prop.key], prop.fallback, prop.name);
});

test("a junk address gives the defaults", () => {
  const back = fromHash("#%%%&=&hide=%E0&unit=conv1:1,2&unit=x&in=!!&explain=yes&model=%E0");
  assert.deepEqual(back.hidden, []);
  assert.equal(back.selection, null);
  assert.equal(back.input, null);
  assert.equal(back.explainOpen, false);
  assert.equal(back.modelId, null);
});

test("units are written as layer:channel,row,column or layer:index", () => {
  assert.equal(unitToText({ layer: "conv2", channel: 3, y: 4, x: 6 }), "conv2:3,4,6");
  assert.equal(unitToText({ layer: "fc1", index: 17 }), "fc1:17");
  assert.deepEqual(unitFromText("fc1:17"), { layer: "fc1", index: 17 });
  assert.deepEqual(unitFromText("a%3Ab:0,1,2"), { layer: "a:b", channel: 0, y: 1, x: 2 });
  for (const bad of ["conv2", ":1", "conv2:-1,2,3", "conv2:1.5", "conv2:1,2", "conv2:"]) assert.equal(unitFromText(bad), null, bad);
});

/** A plain reference: base64url of the bytes themselves, no zero runs. */
function plainBase64(bytes) {
  return Buffer.from(bytes).toString("base64url");
}

test("the input text is base64url of the bytes with zero runs counted", () => {
  // Worked by hand: [5, 0, 0, 0, 9] packs to [5, 0, 3, 9].
  const packed = new Uint8Array([5, 0, 3, 9]);
  assert.equal(encodeInput(new Uint8Array([5, 0, 0, 0, 9])), plainBase64(packed));
  assert.deepEqual(Array.from(decodeInput(plainBase64(packed), 5)), [5, 0, 0, 0, 9]);
  // A run longer than 255 zeros is split.
  const zeros = new Uint8Array(784);
  assert.equal(encodeInput(zeros), plainBase64(new Uint8Array([0, 255, 0, 255, 0, 255, 0, 19])));
});

test("any input survives the round trip, and is much shorter than plain base64 when mostly black", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 50; trial++) {
    const bytes = new Uint8Array(784).map(() => (rand() < 0.8 ? 0 : Math.floor(rand() * 256)));
    const text = encodeInput(bytes);
    assert.deepEqual(Array.from(decodeInput(text)), Array.from(bytes));
    assert.ok(text.length < plainBase64(bytes).length * 0.7, `${text.length}`);
  }
  const full = new Uint8Array(784).fill(200);
  assert.deepEqual(Array.from(decodeInput(encodeInput(full))), Array.from(full));
});

test("input text that is not a whole input of the size asked for is refused", () => {
  const short = plainBase64(new Uint8Array([0, 255, 0, 255]));
  assert.equal(decodeInput(short, 784), null); // 510 bytes, not 784
  assert.equal(decodeInput(plainBase64(new Uint8Array(785).fill(1)), 784), null); // one too many
  assert.equal(decodeInput(plainBase64(new Uint8Array(MAX_INPUT_BYTES + 1).fill(1))), null); // past any size
  assert.equal(decodeInput(""), null); // nothing
  assert.equal(decodeInput(plainBase64(new Uint8Array([0, 0]))), null); // a run of none
  assert.equal(decodeInput("abc$"), null);
  assert.equal(decodeInput("A"), null);
  assert.equal(decodeInput("A".repeat(5000)), null);
});

test("an input of any model's size travels: a colour 32x32 one whole, its length kept", () => {
  const bytes = new Uint8Array(3 * 32 * 32).map((_, i) => (i % 7 === 0 ? 0 : (i * 37) % 256));
  assert.deepEqual(Array.from(decodeInput(encodeInput(bytes))), Array.from(bytes));
  assert.equal(decodeInput(encodeInput(bytes)).length, 3072);
  assert.equal(decodeInput(encodeInput(bytes), 3072).length, 3072);
  assert.equal(decodeInput(encodeInput(bytes), 784), null);
});

test("units compare by place", () => {
  assert.ok(sameUnit({ layer: "a", channel: 1, y: 2, x: 3 }, { layer: "a", channel: 1, y: 2, x: 3 }));
  assert.ok(!sameUnit({ layer: "a", index: 1 }, { layer: "a", index: 2 }));
  assert.ok(sameUnit(null, null));
  assert.ok(!sameUnit(null, { layer: "a", index: 0 }));
});
