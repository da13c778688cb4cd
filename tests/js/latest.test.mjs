import test from "node:test";
import assert from "node:assert/strict";

import { Latest } from "../../static/js/latest.js";

// A fake server whose answers the test releases by hand.
function fakeServer() {
  const calls = [];
  const start = (payload) => (signal) =>
    new Promise((resolve, reject) => {
      calls.push({ payload, resolve, reject, signal });
    });
  return { calls, start };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("one request in flight; the newest pending one goes next, older pending ones never go", async () => {
  const server = fakeServer();
  const applied = [];
  const latest = new Latest((r) => applied.push(r), () => {});
  latest.push(1, server.start("v1"));
  latest.push(2, server.start("v2"));
  latest.push(3, server.start("v3"));
  assert.equal(server.calls.length, 1);
  server.calls[0].resolve("r1");
  await tick();
  assert.deepEqual(server.calls.map((c) => c.payload), ["v1", "v3"]);
  server.calls[1].resolve("r3");
  await tick();
  assert.deepEqual(applied, ["r1", "r3"]);
  assert.equal(latest.busy, false);
});

test("a push with the key already in flight is not sent twice (stroke end after the last move)", async () => {
  const server = fakeServer();
  const latest = new Latest(() => {}, () => {});
  latest.push(7, server.start("a"));
  latest.push(7, server.start("b"));
  server.calls[0].resolve();
  await tick();
  assert.equal(server.calls.length, 1);
});

test("drop aborts the request in flight, ignores its answer and forgets the pending one", async () => {
  const server = fakeServer();
  const applied = [];
  const latest = new Latest((r) => applied.push(r), () => {});
  latest.push(1, server.start("a"));
  latest.push(2, server.start("b"));
  latest.drop();
  assert.equal(server.calls[0].signal.aborted, true);
  assert.equal(latest.busy, false);
  server.calls[0].resolve("old");
  await tick();
  assert.deepEqual(applied, []);
  assert.equal(server.calls.length, 1);
});

test("preempt at stroke end aborts an older request and sends the final one at once", async () => {
  const server = fakeServer();
  const applied = [];
  const errors = [];
  const latest = new Latest((r) => applied.push(r), (e) => errors.push(e));
  latest.push(1, server.start("v1"));
  latest.push(2, server.start("v2"));
  latest.preempt(3, server.start("v3"));
  assert.deepEqual(server.calls.map((c) => c.payload), ["v1", "v3"]); // v2 never goes out
  assert.equal(server.calls[0].signal.aborted, true);
  server.calls[0].reject(new Error("AbortError"));
  server.calls[1].resolve("r3");
  await tick();
  await tick();
  assert.deepEqual(applied, ["r3"]);
  assert.deepEqual(errors, []); // an aborted request is not a failure
  assert.equal(latest.busy, false);
});

test("preempt with the key already in flight waits for it instead", async () => {
  const server = fakeServer();
  const latest = new Latest(() => {}, () => {});
  latest.push(5, server.start("v5"));
  latest.preempt(5, server.start("again"));
  assert.equal(server.calls.length, 1);
  assert.equal(server.calls[0].signal.aborted, false);
});

test("failures go to fail and the queue carries on", async () => {
  const server = fakeServer();
  const errors = [];
  const applied = [];
  const latest = new Latest((r) => applied.push(r), (e) => errors.push(e.message));
  latest.push(1, server.start("a"));
  latest.push(2, server.start("b"));
  server.calls[0].reject(new Error("offline"));
  await tick();
  server.calls[1].resolve("ok");
  await tick();
  assert.deepEqual(errors, ["offline"]);
  assert.deepEqual(applied, ["ok"]);
});

test("an error thrown while applying is reported, not lost", async () => {
  const errors = [];
  const latest = new Latest(() => {
    throw new Error("bad draw");
  }, (e) => errors.push(e.message));
  latest.push(1, () => Promise.resolve(1));
  await tick();
  await tick();
  assert.deepEqual(errors, ["bad draw"]);
});

test("each job's tag comes back with its own answer or failure, not the newest job's", async () => {
  const server = fakeServer();
  const applied = [];
  const failed = [];
  const latest = new Latest(
    (r, key, tag) => applied.push([r, tag.source]),
    (e, key, tag) => failed.push([e.message, tag.source]),
  );
  latest.push(1, server.start("drawing"), { source: "drawing" });
  latest.push(undefined, server.start("photo"), { source: "upload" }); // pending behind the drawing
  server.calls[0].resolve("r1");
  await tick();
  assert.deepEqual(applied, [["r1", "drawing"]]); // the photo asked for later does not relabel it
  server.calls[1].reject(new Error("not an image"));
  await tick();
  assert.deepEqual(failed, [["not an image", "upload"]]);
  latest.preempt("2 final", server.start("final"), { source: "drawing" });
  assert.equal(latest.inFlightKey, "2 final");
  server.calls[2].resolve("r2");
  await tick();
  assert.deepEqual(applied.at(-1), ["r2", "drawing"]);
});
