import assert from "node:assert/strict";
import { test } from "node:test";

import { Gate } from "../../static/js/labs/gate.js";

// A clock the test moves by hand.
function manualTimers() {
  const timers = new Map();
  let next = 1;
  return {
    setTimer: (fn, ms) => (timers.set(next, { fn, ms }), next++),
    clearTimer: (id) => timers.delete(id),
    fire: () => { for (const [id, { fn }] of [...timers]) { timers.delete(id); fn(); } },
    get count() { return timers.size; },
  };
}

test("a drag of many moves sends one request at a time, the last move's after the answer", () => {
  const clock = manualTimers();
  let setting = 0;
  const sent = [];
  const gate = new Gate(() => sent.push(setting), clock);
  for (setting = 1; setting <= 10; setting++) gate.ask(); // ten moves before any answer
  assert.deepEqual(sent, [1]);
  setting = 10;
  gate.settled(); // the first answer lands: the ten moves go as one, with the newest value
  assert.deepEqual(sent, [1, 10]);
  gate.settled(); // nothing moved meanwhile: nothing more is sent
  assert.deepEqual(sent, [1, 10]);
  gate.ask(); // the next move goes at once
  assert.deepEqual(sent, [1, 10, 10]);
});

test("an answer that never comes frees the gate after its wait", () => {
  const clock = manualTimers();
  const sent = [];
  const gate = new Gate(() => sent.push(sent.length), { waitMs: 50, ...clock });
  gate.ask();
  gate.ask();
  assert.equal(sent.length, 1);
  clock.fire(); // no answer within waitMs: the folded move goes
  assert.equal(sent.length, 2);
  gate.settled();
  assert.equal(clock.count, 0, "a settled request leaves no timer behind");
  gate.settled(); // a stray answer (another source's) does not send anything
  assert.equal(sent.length, 2);
});
