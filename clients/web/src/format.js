// How times, ages and counts read on the pages. Pure functions of their arguments, so node's
// test runner checks them; the locale and time zone are the reader's unless given.

/** A wire timestamp (ISO string from JSON, Date from MessagePack) as a Date, or null. */
export function toDate(value) {
  if (value === null || value === undefined) {
    return null;
  }

  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function sameDay(a, b, timeZone) {
  const day = (d) => d.toLocaleDateString("en-CA", { timeZone });
  return day(a) === day(b);
}

/** "2:49 PM" today; "Nov 27, 2:49 PM" another day this year; "Nov 27, 2025, 2:49 PM" before. */
export function formatTime(date, now = new Date(), locale = undefined, timeZone = undefined) {
  const time = { hour: "numeric", minute: "2-digit", timeZone };
  if (sameDay(date, now, timeZone)) {
    return date.toLocaleTimeString(locale, time);
  }

  const year = date.toLocaleDateString("en-CA", { year: "numeric", timeZone }) !== now.toLocaleDateString("en-CA", { year: "numeric", timeZone });
  return date.toLocaleString(locale, { month: "short", day: "numeric", ...(year ? { year: "numeric" } : {}), ...time });
}

/** The full timestamp shown on hover: "Thursday, November 27, 2026 at 2:49:03 PM UTC". */
export function formatFull(date, locale = undefined, timeZone = undefined) {
  return date.toLocaleString(locale, { dateStyle: "full", timeStyle: "long", timeZone });
}

/** "just now", "1 min ago", "12 min ago", "3 h ago", "2 days ago". */
export function formatAge(date, now = new Date()) {
  const seconds = Math.max(0, Math.floor((now.getTime() - date.getTime()) / 1000));
  if (seconds < 45) {
    return "just now";
  }

  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) {
    return `${minutes} min ago`;
  }

  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours} h ago`;
  }

  const days = Math.floor(hours / 24);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

/** Characters as the server counts them: Unicode code points. */
export function countCharacters(text) {
  return [...text].length;
}

/** The host of an http(s) link, for "Read more at example.com"; null for anything else. */
export function linkHost(link) {
  if (typeof link !== "string") {
    return null;
  }

  try {
    const url = new URL(link);
    return url.protocol === "http:" || url.protocol === "https:" ? url.host.replace(/^www\./, "") : null;
  } catch {
    return null;
  }
}

/** "1 new item", "4 new items". */
export function newItemsLabel(count) {
  return count === 1 ? "1 new item" : `${count} new items`;
}

/** How long until a scheduled item goes out: "in 42 s", "in 4 min 12 s", "in 2 h 5 min", "in 3 days 4 h"; "due now" once due. */
export function formatCountdown(milliseconds) {
  const seconds = Math.ceil(milliseconds / 1000);
  if (seconds <= 0) {
    return "due now";
  }

  const [days, hours, minutes, rest] = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60];
  if (days > 0) {
    return `in ${days === 1 ? "1 day" : `${days} days`}${hours > 0 ? ` ${hours} h` : ""}`;
  }

  if (hours > 0) {
    return `in ${hours} h${minutes > 0 ? ` ${minutes} min` : ""}`;
  }

  return minutes > 0 ? `in ${minutes} min${rest > 0 ? ` ${rest} s` : ""}` : `in ${rest} s`;
}
