import { test } from "node:test";
import assert from "node:assert/strict";
import { FeedFollower } from "../src/feed-follower.js";
import { FeedOrder } from "../src/feed-order.js";

const E1 = "epoch-one";
const E2 = "epoch-two";
const SAME_MILLISECOND = "2026-12-04T13:00:00.123Z";

// Items as they go out in one millisecond: the same publishedAt, ids that sort against the feed's order (a scheduled
// item keeps the id it got when it was scheduled; two instances make ids apart).
const item = (id, publishedAt = SAME_MILLISECOND) => ({ id, feed: "main", headline: `headline ${id}`, publishedAt });
const published = (sequence, id, epoch = E1) => ({ feed: "main", epoch, sequence, kind: "published", item: item(id) });
const newestFirst = (order, items) => [...items].sort(order.compare).map((i) => i.id);

test("a reset page's items keep the page's order, whatever their publishedAt and ids say", () => {
  const order = new FeedOrder();
  const page = [item("a1"), item("c3"), item("b2", "2026-12-04T13:00:05.000Z"), item("d4")];

  order.reset(page);

  assert.deepEqual(newestFirst(order, [...page].reverse()), ["a1", "c3", "b2", "d4"]);
});

test("an item published after the page goes above it, and later events above earlier ones, by sequence not by id", () => {
  const order = new FeedOrder();
  order.reset([item("m"), item("n")]);

  order.published("b", 41);
  order.published("a", 42); // the smaller id, the same millisecond: still the newer
  order.published("c", 43);

  assert.deepEqual(newestFirst(order, [item("m"), item("a"), item("n"), item("c"), item("b")]), ["c", "a", "b", "m", "n"]);
});

test("an item whose place is not known goes below everything ranked, and one already ranked keeps its place", () => {
  const order = new FeedOrder();
  order.reset([item("x"), item("y")]);
  order.published("z", 7);

  order.older("pinned-long-ago");
  order.older("corrected-long-ago");
  order.older("x"); // in the page: stays where the page put it

  assert.deepEqual(newestFirst(order, [item("corrected-long-ago"), item("pinned-long-ago"), item("y"), item("x"), item("z")]),
    ["z", "x", "y", "pinned-long-ago", "corrected-long-ago"]);
});

test("items older than everything shown, ranked again in a read's order (newest first), take that order below it all", () => {
  const order = new FeedOrder();
  order.reset([item("x"), item("y")]);
  order.older("key-1"); // a key event read after the reset
  order.older("key-3"); // marked later by a correction: its place not known, so last
  assert.equal(order.has("key-3"), true);
  assert.equal(order.has("never-seen"), false);

  for (const id of ["key-3", "key-1"]) { // the store's order
    order.forget(id);
    order.older(id);
  }

  assert.deepEqual(newestFirst(order, [item("key-1"), item("key-3"), item("y"), item("x")]), ["x", "y", "key-3", "key-1"]);
});

test("a page rendered at a position ranks its places below the events after it; a page without items ranks nothing", () => {
  const order = new FeedOrder();
  order.reset();
  order.inPage("rendered-pinned", 1);
  order.inPage("first", 0);
  order.inPage("third", 2);
  order.published("live", 1);

  assert.deepEqual(newestFirst(order, [item("third"), item("rendered-pinned"), item("live"), item("first")]),
    ["live", "first", "rendered-pinned", "third"]);
});

test("a reset replaces the order (a new epoch starts its sequences at 1 again), and a retracted item is forgotten", () => {
  const order = new FeedOrder();
  order.reset([item("old")]);
  order.published("before-the-loss", 500);

  order.reset([item("kept-2"), item("kept-1")]);
  order.published("after-the-loss", 1);
  order.forget("kept-1");

  assert.deepEqual(newestFirst(order, [item("kept-1"), item("before-the-loss"), item("kept-2"), item("after-the-loss")]),
    ["after-the-loss", "kept-2", "kept-1", "before-the-loss"]);
});

// The column's order as the pages drive it: the follower's resets and events, in the order it hands them on.
function followedColumn(start, rendered) {
  const order = new FeedOrder();
  order.reset(rendered);
  const shown = new Map(rendered.map((i) => [i.id, i]));
  const answers = [];
  const follower = new FeedFollower({
    feed: "main",
    start,
    subscribe: () => Promise.resolve(answers.shift()),
    fetchEvents: () => Promise.resolve(answers.shift()),
    onReset: (items) => {
      order.reset(items);
      shown.clear();
      for (const i of items) {
        shown.set(i.id, i);
      }
    },
    onEvent: (event) => {
      order.published(event.item.id, event.sequence);
      shown.set(event.item.id, event.item);
    },
    setTimer: () => 0,
    clearTimer: () => {},
  });
  return { order, follower, answers, ids: () => newestFirst(order, shown.values()) };
}

test("a reader that resumes after a reconnect shows the events it missed above what it showed, in sequence order", async () => {
  // The page as the server rendered it at sequence 20; then the hub answers the events after it.
  const column = followedColumn({ epoch: E1, sequence: 20 }, [item("p0"), item("p1")]);
  column.answers.push({ feed: "main", epoch: E1, sequence: 22, reset: false, items: [], events: [published(21, "zz"), published(22, "aa")] });
  await column.follower.subscribe();
  column.follower.receive(published(23, "mm"));

  // A reconnect: the events since sequence 23, and a live one that arrived meanwhile.
  column.answers.push({ feed: "main", epoch: E1, sequence: 25, reset: false, items: [], events: [published(24, "b"), published(25, "a")] });
  const resumed = column.follower.subscribe();
  column.follower.receive(published(26, "0"));
  await resumed;

  assert.deepEqual(column.ids(), ["0", "a", "b", "mm", "aa", "zz", "p0", "p1"]);

  // The log was lost: a reset page from a new epoch replaces everything, in its own order.
  column.answers.push({ feed: "main", epoch: E2, sequence: 2, reset: true, items: [item("y"), item("z")], events: [] });
  await column.follower.subscribe();
  column.follower.receive(published(3, "x", E2));
  assert.deepEqual(column.ids(), ["x", "y", "z"]);
});
