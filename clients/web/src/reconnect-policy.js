// When a page tries to connect again: exponential backoff with full jitter. The n-th attempt in a
// row (from 0) waits a uniformly random time between 0 and min(30 s, 1 s × 2^n): the first within
// 1 s (a reader whose connection blinked is back at once), then within 2, 4, 8, 16 s, then within
// 30 s for ever (a long outage costs the server one attempt per reader every 15 s on average, and
// a reader is back at most 30 s after the server is). The random waits spread the readers of a
// lost instance over time instead of sending them back all at once. Never sooner than a 429's or
// 503's Retry-After asks. The count starts over only once a Subscribe has been answered
// (`healthy()`): a server that accepts connections and drops them at once (its Redis away) sees
// the waits grow, not a loop. The .NET client follows the same policy (ReconnectPolicy.cs).

/** The longest first wait, in milliseconds. */
export const FIRST_DELAY_MS = 1000;

/** The longest wait, in milliseconds. */
export const MAX_DELAY_MS = 30000;

export class ReconnectPolicy {
  /**
   * @param {object} [options]
   * @param {() => number} [options.now] the clock, in milliseconds (tests give a fake one)
   * @param {() => number} [options.random] uniform in [0, 1) (tests choose it)
   */
  constructor({ now = Date.now, random = Math.random } = {}) {
    this._now = now;
    this._random = random;
    this._attempts = 0; // attempts since the last healthy connection
    this._notBefore = 0; // no attempt before this time (Retry-After)
  }

  /** The wait before the next attempt, in milliseconds; counts the attempt. */
  nextDelay() {
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(this._attempts, 30));
    this._attempts++;
    return Math.max(ceiling * this._random(), this._notBefore - this._now());
  }

  /** The server asked (429 or 503) to wait `ms` before it is asked again. */
  retryAfter(ms) {
    this._notBefore = Math.max(this._notBefore, this._now() + ms);
  }

  /** A Subscribe was answered on the current connection: the next loss starts from the first wait. */
  healthy() {
    this._attempts = 0;
    this._notBefore = 0;
  }
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds (it gives seconds or an HTTP date),
 * or null when there is none or it cannot be read.
 */
export function parseRetryAfter(value, now = Date.now()) {
  const text = (value ?? "").trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }

  // An HTTP date names its month ("Sat, 28 Nov 2026 09:19:12 GMT"); Date.parse alone would take "-3" for a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
