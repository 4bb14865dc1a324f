import { test } from "node:test";
import assert from "node:assert/strict";
import { FIRST_DELAY_MS, MAX_DELAY_MS, ReconnectPolicy, parseRetryAfter } from "../src/reconnect-policy.js";

// A policy on a clock the test moves and a "random" the test chooses.
function harness(random) {
  const clock = { ms: Date.UTC(2026, 10, 28, 9, 19) };
  const policy = new ReconnectPolicy({ now: () => clock.ms, random });
  return { clock, policy, advance: (ms) => { clock.ms += ms; } };
}

// A seeded generator (mulberry32), so that a failure can be run again.
function seeded(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the longest possible wait doubles from 1 s up to 30 s", () => {
  const { policy } = harness(() => 1);

  const waits = Array.from({ length: 8 }, () => policy.nextDelay());

  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(FIRST_DELAY_MS, 1000);
  assert.equal(MAX_DELAY_MS, 30000);
});

test("each wait is uniformly random between 0 and its ceiling (full jitter)", () => {
  const random = seeded(20261128);
  const ceilings = [1000, 2000, 4000, 8000, 16000, 30000];
  const samples = ceilings.map(() => []);
  for (let run = 0; run < 2000; run++) {
    const policy = new ReconnectPolicy({ now: () => 0, random });
    samples.forEach((waits) => waits.push(policy.nextDelay()));
  }

  ceilings.forEach((ceiling, attempt) => {
    const waits = samples[attempt];
    assert.ok(waits.every((wait) => wait >= 0 && wait <= ceiling), `attempt ${attempt} stays within [0, ${ceiling}]`);
    const mean = waits.reduce((sum, wait) => sum + wait, 0) / waits.length;
    assert.ok(mean > ceiling * 0.45 && mean < ceiling * 0.55, `attempt ${attempt}: mean ${mean} is about half of ${ceiling}`);
    assert.ok(Math.min(...waits) < ceiling * 0.01 && Math.max(...waits) > ceiling * 0.99, `attempt ${attempt} spreads over the whole range`);
  });
});

test("without an answered Subscribe the waits keep growing; after one they start over", () => {
  // A server that accepts each connection and drops it: each attempt counts, however "successful" the connect.
  const { policy } = harness(() => 0.5);
  const before = Array.from({ length: 4 }, () => policy.nextDelay());

  policy.healthy();

  assert.deepEqual(before, [500, 1000, 2000, 4000]);
  assert.equal(policy.nextDelay(), 500);
});

test("no wait is shorter than the Retry-After the server asked", () => {
  const { policy, advance } = harness(() => 0);
  policy.retryAfter(10000);

  const first = policy.nextDelay();
  advance(4000);
  const second = policy.nextDelay();
  advance(7000);
  const third = policy.nextDelay();

  assert.deepEqual([first, second, third], [10000, 6000, 0]);
});

test("a longer backoff than the Retry-After is kept, and an answered Subscribe forgets the Retry-After", () => {
  const { policy } = harness(() => 1);
  for (let attempt = 0; attempt < 5; attempt++) {
    policy.nextDelay();
  }

  policy.retryAfter(3000);
  const longer = policy.nextDelay();
  policy.retryAfter(60000);
  policy.healthy();

  assert.equal(longer, 30000);
  assert.equal(policy.nextDelay(), 1000);
});

test("Retry-After is read in seconds or as an HTTP date; anything else is no Retry-After", () => {
  const now = Date.UTC(2026, 10, 28, 9, 19, 0);

  assert.equal(parseRetryAfter("5", now), 5000);
  assert.equal(parseRetryAfter(" 120 ", now), 120000);
  assert.equal(parseRetryAfter("Sat, 28 Nov 2026 09:19:12 GMT", now), 12000);
  assert.equal(parseRetryAfter("Sat, 28 Nov 2026 09:18:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter("", now), null);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("-3", now), null);
});
