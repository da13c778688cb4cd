import test from "node:test";
import assert from "node:assert/strict";

import { INITIAL, Store, fromHash, sameUnit, toHash } from "../../static/js/state.js";

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

test("view settings round-trip through the URL hash", () => {
  const state = { ...INITIAL, hidden: ["conv1", "fc2"], views: { conv2: "weighted_input", conv1: "output" }, large: true };
  const hash = toHash(state);
  assert.equal(hash, "hide=conv1,fc2&pre=conv2&large=1");
  assert.deepEqual(fromHash(`#${hash}`), { hidden: ["conv1", "fc2"], views: { conv2: "weighted_input" }, large: true, overview: false });
  assert.equal(toHash({ ...INITIAL, overview: true }), "overview=1");
  assert.equal(fromHash("#overview=1").overview, true);
});

test("a junk hash gives the defaults", () => {
  assert.deepEqual(fromHash("#%%%&=&hide=%E0"), { hidden: [], views: {}, large: false, overview: false });
});

test("units compare by place", () => {
  assert.ok(sameUnit({ layer: "a", channel: 1, y: 2, x: 3 }, { layer: "a", channel: 1, y: 2, x: 3 }));
  assert.ok(!sameUnit({ layer: "a", index: 1 }, { layer: "a", index: 2 }));
  assert.ok(sameUnit(null, null));
  assert.ok(!sameUnit(null, { layer: "a", index: 0 }));
});
