import { test } from "node:test";
import assert from "node:assert/strict";
import { countCharacters, formatAge, formatCountdown, formatTime, linkHost, newItemsLabel, toDate } from "../src/format.js";

const now = new Date("2026-11-27T15:05:00Z");

test("a time today reads like 2:49 PM; another day adds the date, another year the year", () => {
  assert.equal(formatTime(new Date("2026-11-27T14:49:00Z"), now, "en-US", "UTC"), "2:49 PM");
  assert.equal(formatTime(new Date("2026-11-26T09:05:00Z"), now, "en-US", "UTC"), "Nov 26, 9:05 AM");
  assert.equal(formatTime(new Date("2025-12-31T23:59:00Z"), now, "en-US", "UTC"), "Dec 31, 2025, 11:59 PM");
});

test("today is the reader's today, in the reader's time zone", () => {
  // 23:30 UTC on the 26th is already the 27th in Berlin.
  assert.equal(formatTime(new Date("2026-11-26T23:30:00Z"), now, "en-US", "Europe/Berlin"), "12:30 AM");
  assert.equal(formatTime(new Date("2026-11-26T23:30:00Z"), now, "en-US", "UTC"), "Nov 26, 11:30 PM");
});

test("the age reads just now, minutes, hours, then days", () => {
  const ago = (seconds) => formatAge(new Date(now.getTime() - seconds * 1000), now);
  assert.equal(ago(5), "just now");
  assert.equal(ago(-30), "just now", "a clock slightly behind the server's is not 'in the future'");
  assert.equal(ago(60), "1 min ago");
  assert.equal(ago(12 * 60 + 10), "12 min ago");
  assert.equal(ago(3 * 3600 + 100), "3 h ago");
  assert.equal(ago(26 * 3600), "1 day ago");
  assert.equal(ago(50 * 3600), "2 days ago");
});

test("characters are counted as the server counts them: code points", () => {
  assert.equal(countCharacters("abc"), 3);
  assert.equal(countCharacters("🇺🇦 news"), 7);
  assert.equal(countCharacters("é"), 1);
});

test("only http and https links get a host to show", () => {
  assert.equal(linkHost("https://www.example.com/a?b"), "example.com");
  assert.equal(linkHost("http://news.example:8080/"), "news.example:8080");
  assert.equal(linkHost("javascript:alert(1)"), null);
  assert.equal(linkHost("not a url"), null);
  assert.equal(linkHost(null), null);
});

test("wire timestamps become dates whichever protocol carried them", () => {
  assert.equal(toDate("2026-11-27T14:49:00.123Z").getTime(), Date.UTC(2026, 10, 27, 14, 49, 0, 123));
  assert.equal(toDate(new Date(5)).getTime(), 5);
  assert.equal(toDate(null), null);
  assert.equal(toDate("nonsense"), null);
});

test("the new items button counts in words", () => {
  assert.equal(newItemsLabel(1), "1 new item");
  assert.equal(newItemsLabel(3), "3 new items");
});

test("a countdown reads seconds, minutes, hours, then days, and due now once due", () => {
  assert.equal(formatCountdown(42_000), "in 42 s");
  assert.equal(formatCountdown(41_200), "in 42 s", "a part second counts as a second still to wait");
  assert.equal(formatCountdown(4 * 60_000 + 12_000), "in 4 min 12 s");
  assert.equal(formatCountdown(5 * 60_000), "in 5 min");
  assert.equal(formatCountdown(2 * 3_600_000 + 5 * 60_000 + 30_000), "in 2 h 5 min");
  assert.equal(formatCountdown(3 * 86_400_000 + 4 * 3_600_000), "in 3 days 4 h");
  assert.equal(formatCountdown(86_400_000), "in 1 day");
  assert.equal(formatCountdown(0), "due now");
  assert.equal(formatCountdown(-5_000), "due now");
});
