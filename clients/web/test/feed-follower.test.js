import { test } from "node:test";
import assert from "node:assert/strict";
import { FeedFollower, GAP_HOLD_MS } from "../src/feed-follower.js";

const E1 = "epoch-one";
const E2 = "epoch-two";

const item = (id, headline = `headline ${id}`) => ({ id, feed: "main", headline, priority: "normal", tags: [] });
const event = (sequence, kind = "published", epoch = E1, id = `i${sequence}`) =>
  ({ feed: "main", epoch, sequence, kind, item: item(id) });
const resetPage = (sequence, items = [], epoch = E1) =>
  ({ feed: "main", epoch, sequence, reset: true, items, events: [] });
const eventsPage = (sequence, events, epoch = E1) =>
  ({ feed: "main", epoch, sequence, reset: false, items: [], events });

// Lets pending promise callbacks run.
const settle = () => new Promise((resolve) => setImmediate(resolve));

// A follower on fakes: every call is recorded, answers are queued by the test, timers fire on demand.
function harness({ subscribeAnswers = [], fetchAnswers = [], start = null } = {}) {
  const calls = { subscribe: [], fetch: [] };
  const applied = [];
  const errors = [];
  const timers = new Map();
  let nextTimer = 1;
  const pending = (answers) => {
    const answer = answers.shift();
    if (answer === undefined) {
      return Promise.reject(new Error("no answer queued"));
    }

    return answer instanceof Error ? Promise.reject(answer) : answer instanceof Promise ? answer : Promise.resolve(answer);
  };

  const follower = new FeedFollower({
    feed: "main",
    start,
    subscribe: (feed, epoch, sequence) => {
      calls.subscribe.push([feed, epoch, sequence]);
      return pending(subscribeAnswers);
    },
    fetchEvents: (feed, epoch, after) => {
      calls.fetch.push([feed, epoch, after]);
      return pending(fetchAnswers);
    },
    onReset: (items, page) => applied.push({ reset: items.map((i) => i.id), epoch: page.epoch }),
    onEvent: (e) => applied.push(e.sequence),
    onError: (error) => errors.push(error),
    setTimer: (callback, ms) => {
      assert.equal(ms, GAP_HOLD_MS);
      const id = nextTimer++;
      timers.set(id, callback);
      return id;
    },
    clearTimer: (id) => timers.delete(id),
  });

  const fireTimers = async () => {
    const due = [...timers.values()];
    timers.clear();
    due.forEach((callback) => callback());
    await settle();
  };

  return { follower, calls, applied, errors, timers, fireTimers, subscribeAnswers, fetchAnswers };
}

// A promise the test resolves when it chooses, to let events arrive "while the answer is on its way".
function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

test("the first subscribe asks without a position and starts from the reset page", async () => {
  const h = harness({ subscribeAnswers: [resetPage(7, [item("b"), item("a")])] });

  await h.follower.subscribe();

  assert.deepEqual(h.calls.subscribe, [["main", null, null]]);
  assert.deepEqual(h.applied, [{ reset: ["b", "a"], epoch: E1 }]);
  assert.deepEqual(h.follower.position, { epoch: E1, sequence: 7 });
});

test("a page the server rendered at a position goes live from it: only what came later is applied", async () => {
  const answer = deferred();
  const h = harness({ start: { epoch: E1, sequence: 7 }, subscribeAnswers: [answer.promise] });
  const subscribed = h.follower.subscribe();

  h.follower.receive(event(8)); // pushed before the answer, and in it too
  h.follower.receive(event(9));
  answer.resolve(eventsPage(8, [event(8)]));
  await subscribed;

  assert.deepEqual(h.calls.subscribe, [["main", E1, 7]]);
  assert.deepEqual(h.applied, [8, 9], "no reset: nothing shown is drawn again, nothing twice");
  assert.deepEqual(h.follower.position, { epoch: E1, sequence: 9 });
});

test("a rendered position from a lost log is answered with a reset and starts over from it", async () => {
  const h = harness({ start: { epoch: E1, sequence: 7 }, subscribeAnswers: [resetPage(2, [item("x")], E2)] });

  await h.follower.subscribe();

  assert.deepEqual(h.calls.subscribe, [["main", E1, 7]]);
  assert.deepEqual(h.applied, [{ reset: ["x"], epoch: E2 }]);
});

test("events in order are applied once each; a repeated or older sequence is dropped", async () => {
  const h = harness({ subscribeAnswers: [resetPage(2)] });
  await h.follower.subscribe();

  for (const sequence of [3, 4, 4, 2, 5, 3]) {
    h.follower.receive(event(sequence));
  }

  assert.deepEqual(h.applied.slice(1), [3, 4, 5]);
  assert.equal(h.timers.size, 0);
  assert.equal(h.follower.sequence, 5);
});

test("events that arrive before the subscribe answer are judged against it", async () => {
  const answer = deferred();
  const h = harness({ subscribeAnswers: [answer.promise] });
  const subscribed = h.follower.subscribe();

  h.follower.receive(event(4)); // already in the page
  h.follower.receive(event(5)); // after it
  answer.resolve(resetPage(4, [item("i4")]));
  await subscribed;

  assert.deepEqual(h.applied, [{ reset: ["i4"], epoch: E1 }, 5]);
  assert.deepEqual(h.calls.fetch, []);
});

test("events out of order are put back in order without asking the server", async () => {
  const h = harness({ subscribeAnswers: [resetPage(1)] });
  await h.follower.subscribe();

  h.follower.receive(event(4));
  h.follower.receive(event(3));
  assert.deepEqual(h.applied.slice(1), []);
  assert.equal(h.timers.size, 1, "a gap holds the later events for a moment");

  h.follower.receive(event(2));

  assert.deepEqual(h.applied.slice(1), [2, 3, 4]);
  assert.equal(h.timers.size, 0, "the gap closed, so its timer is stopped");
  assert.deepEqual(h.calls.fetch, []);
});

test("a gap still open after the hold is filled from the events API, once each", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(1)],
    fetchAnswers: [eventsPage(4, [event(2), event(3), event(4)])],
  });
  await h.follower.subscribe();

  h.follower.receive(event(4));
  await h.fireTimers();

  assert.deepEqual(h.calls.fetch, [["main", E1, 1]]);
  assert.deepEqual(h.applied.slice(1), [2, 3, 4]);
  assert.equal(h.timers.size, 0);
});

test("a gap fill asks again while the answer says more events follow", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(1)],
    fetchAnswers: [eventsPage(6, [event(2), event(3)]), eventsPage(6, [event(4), event(5), event(6)])],
  });
  await h.follower.subscribe();

  h.follower.receive(event(6));
  await h.fireTimers();

  assert.deepEqual(h.calls.fetch, [["main", E1, 1], ["main", E1, 3]]);
  assert.deepEqual(h.applied.slice(1), [2, 3, 4, 5, 6]);
});

test("events that arrive while a gap is being filled are applied after it, without doubles", async () => {
  const answer = deferred();
  const h = harness({ subscribeAnswers: [resetPage(1)], fetchAnswers: [answer.promise] });
  await h.follower.subscribe();

  h.follower.receive(event(3));
  await h.fireTimers();
  h.follower.receive(event(2)); // late, and also in the fill's answer
  h.follower.receive(event(4));
  answer.resolve(eventsPage(3, [event(2), event(3)]));
  await settle();

  assert.deepEqual(h.applied.slice(1), [2, 3, 4]);
});

test("a gap fill answered with a reset starts over from its items", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(1)],
    fetchAnswers: [resetPage(40, [item("x")])],
  });
  await h.follower.subscribe();

  h.follower.receive(event(5));
  await h.fireTimers();

  assert.deepEqual(h.applied.slice(1), [{ reset: ["x"], epoch: E1 }]);
  assert.deepEqual(h.follower.position, { epoch: E1, sequence: 40 });
  assert.equal(h.timers.size, 0);
});

test("a failed gap fill is reported and tried again after another hold", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(1)],
    fetchAnswers: [new Error("503"), eventsPage(3, [event(2), event(3)])],
  });
  await h.follower.subscribe();

  h.follower.receive(event(3));
  await h.fireTimers();
  assert.equal(h.errors.length, 1);
  assert.equal(h.timers.size, 1);

  await h.fireTimers();
  assert.deepEqual(h.applied.slice(1), [2, 3]);
  assert.equal(h.calls.fetch.length, 2);
});

test("an event from another epoch subscribes again from the position and starts over on a reset", async () => {
  const h = harness({ subscribeAnswers: [resetPage(9), resetPage(1, [item("new")], E2)] });
  await h.follower.subscribe();

  h.follower.receive(event(1, "published", E2, "new"));
  await settle();

  assert.deepEqual(h.calls.subscribe, [["main", null, null], ["main", E1, 9]]);
  assert.deepEqual(h.applied, [{ reset: [], epoch: E1 }, { reset: ["new"], epoch: E2 }]);
  assert.deepEqual(h.follower.position, { epoch: E2, sequence: 1 });
});

test("an event straying from an older epoch costs no reset", async () => {
  const h = harness({ subscribeAnswers: [resetPage(9), eventsPage(9, [])] });
  await h.follower.subscribe();

  h.follower.receive(event(4, "published", "older-epoch", "stray"));
  await settle();

  assert.deepEqual(h.calls.subscribe, [["main", null, null], ["main", E1, 9]]);
  assert.deepEqual(h.applied, [{ reset: [], epoch: E1 }]);
  assert.deepEqual(h.follower.position, { epoch: E1, sequence: 9 });
});

test("after a reconnect it subscribes from the last applied position and applies what it missed", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(2), eventsPage(5, [event(3), event(4), event(5)])],
  });
  await h.follower.subscribe();
  h.follower.receive(event(3));

  await h.follower.subscribe(); // the reconnect

  assert.deepEqual(h.calls.subscribe[1], ["main", E1, 3]);
  assert.deepEqual(h.applied.slice(1), [3, 4, 5], "event 3 is not applied twice");
});

test("a reconnect to a server that lost the log resets to its items once", async () => {
  const h = harness({
    subscribeAnswers: [resetPage(2, [item("old")]), resetPage(1, [item("current")], E2)],
  });
  await h.follower.subscribe();

  await h.follower.subscribe();
  h.follower.receive(event(1, "published", E2, "current"));

  assert.deepEqual(h.calls.subscribe[1], ["main", E1, 2]);
  assert.deepEqual(h.applied, [{ reset: ["old"], epoch: E1 }, { reset: ["current"], epoch: E2 }]);
});

test("a failed subscribe changes nothing and can be tried again", async () => {
  const h = harness({ subscribeAnswers: [resetPage(2), new Error("gone"), eventsPage(3, [event(3)])] });
  await h.follower.subscribe();

  await assert.rejects(h.follower.subscribe(), /gone/);
  assert.deepEqual(h.follower.position, { epoch: E1, sequence: 2 });

  await h.follower.subscribe();
  assert.deepEqual(h.applied.slice(1), [3]);
});

test("events of other feeds are ignored, and nothing is applied after close", async () => {
  const h = harness({ subscribeAnswers: [resetPage(0)] });
  await h.follower.subscribe();

  h.follower.receive({ ...event(1), feed: "business" });
  h.follower.receive(event(3));
  h.follower.close();
  h.follower.receive(event(1));

  assert.deepEqual(h.applied.slice(1), []);
  assert.equal(h.timers.size, 0);
});
