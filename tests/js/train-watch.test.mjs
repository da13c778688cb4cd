import test from "node:test";
import assert from "node:assert/strict";

import { LiveWatch, isLive } from "../../static/js/train/live.js";
import { timeLeft } from "../../static/js/train/panel.js";
import { baseOf } from "../../static/js/train/timeline.js";
import { fromHash, toHash } from "../../static/js/state.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

test("a live watch keeps one refresh in flight and folds the snapshots meanwhile into one more", async () => {
  const refreshes = [];
  const watch = new LiveWatch({ show: async () => {}, refresh: (id) => new Promise((resolve) => refreshes.push({ id, resolve })) });
  await watch.start("j-0123456789ab@live");
  watch.snapshot(2);
  watch.snapshot(3);
  watch.snapshot(4);
  assert.equal(refreshes.length, 1);
  refreshes[0].resolve();
  await tick();
  await tick();
  assert.equal(refreshes.length, 2); // 3 and 4 folded into one
  refreshes[1].resolve();
  await tick();
  await tick();
  assert.equal(refreshes.length, 2);
  watch.snapshot(4); // an old number asks nothing
  assert.equal(refreshes.length, 2);
  watch.stop();
  watch.snapshot(9);
  assert.equal(refreshes.length, 2);
});

test("live and checkpoint ids, and the time left in words", () => {
  assert.ok(isLive("j-0123456789ab@live"));
  assert.ok(!isLive("mnist@epoch5") && !isLive(null));
  assert.equal(baseOf("mnist@epoch20"), "mnist");
  assert.equal(baseOf("t-0123456789"), "t-0123456789");
  assert.equal(timeLeft(8.4), "8 s");
  assert.equal(timeLeft(75), "1 min 15 s");
  assert.equal(timeLeft(-3), "0 s");
});

test("the address keeps the timeline's epoch and names the model, not the checkpoint", () => {
  const hash = toHash({ modelId: "mnist@epoch5", epoch: 5 });
  assert.equal(hash, "model=mnist&epoch=5");
  assert.equal(fromHash(hash).epoch, 5);
  assert.equal(fromHash("model=mnist").epoch, null);
  assert.equal(fromHash("model=mnist&epoch=x5").epoch, null);
});
