// One hub connection that follows one feed: connects, subscribes, reconnects for ever (when:
// reconnect-policy.js), and resubscribes from the last applied position after every reconnect
// (automatic reconnect makes a new connection, which has no subscriptions). What to apply, and
// when to start over, is FeedFollower's business.
import {
  AbortError, DefaultHttpClient, HubConnectionBuilder, HttpClient, HttpError, HttpResponse, HttpTransportType, LogLevel,
  NullLogger, TimeoutError, TransferFormat,
} from "@microsoft/signalr";
import { FeedFollower } from "./feed-follower.js";
import { ReconnectPolicy, parseRetryAfter } from "./reconnect-policy.js";

/** Connection states a page shows. */
export const ConnectionState = Object.freeze({
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  offline: "offline",
});

// After this long without a connection the page says "offline" (it keeps trying).
const OFFLINE_AFTER_MS = 15000;

// The highlights (pinned item, key events) read after a reset: how often at most, and how long apart when an answer
// was behind the events.
const HIGHLIGHTS_READS = 3;
const HIGHLIGHTS_RETRY_MS = 1000;

/**
 * The SignalR client's HTTP, except that it sends the negotiate itself, as the client's own fetch
 * client would: the client turns a refused negotiate into an error without its status or headers,
 * and a 429's or 503's Retry-After must reach the reconnect policy.
 */
class RetryAfterHttpClient extends HttpClient {
  constructor(onRetryAfter) {
    super();
    this._inner = new DefaultHttpClient(NullLogger.instance);
    this._onRetryAfter = onRetryAfter;
  }

  send(request) {
    return request.method === "POST" && new URL(request.url, location.href).pathname.endsWith("/negotiate")
      ? this._negotiate(request)
      : this._inner.send(request);
  }

  getCookieString(url) {
    return this._inner.getCookieString(url);
  }

  async _negotiate(request) {
    const abort = new AbortController();
    let error = null;
    if (request.abortSignal) {
      request.abortSignal.onabort = () => {
        error = new AbortError();
        abort.abort();
      };
    }

    const timer = request.timeout ? setTimeout(() => {
      error = new TimeoutError();
      abort.abort();
    }, request.timeout) : null;
    try {
      const response = await fetch(request.url, {
        method: "POST",
        cache: "no-cache",
        credentials: request.withCredentials === true ? "include" : "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest", ...request.headers },
        mode: "cors",
        signal: abort.signal,
      });
      const content = await response.text();
      if (!response.ok) {
        const wait = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get("Retry-After")) : null;
        if (wait !== null) {
          this._onRetryAfter(wait);
        }

        throw new HttpError(content || response.statusText, response.status);
      }

      return new HttpResponse(response.status, response.statusText, content);
    } catch (e) {
      throw error ?? e;
    } finally {
      clearTimeout(timer);
      if (request.abortSignal) {
        request.abortSignal.onabort = null;
      }
    }
  }
}

/**
 * Follows `feed` on the LiveFeed server at `server` (an origin, "" for the page's own).
 * @param {object} options
 * @param {string} options.server
 * @param {string} options.feed
 * @param {import("@microsoft/signalr").IHubProtocol|null} [options.hubProtocol] the hub protocol; null for JSON.
 *   The caller brings MessagePack's (the reader page loads it only when asked for), so that a page
 *   that speaks JSON does not carry its weight.
 * @param {{ epoch: string, sequence: number }|null} [options.start] the position what is shown was read at
 * @param {(items: object[]) => void} options.onReset
 * @param {(event: object) => void} options.onEvent
 * @param {(state: string) => void} options.onState
 * @param {(highlights: { pinned: object|null, keyEvents: object[] }) => void} [options.onHighlights] the feed's pinned
 *   item and key events (newest first) however old, read after a reset (a reset holds only the latest items)
 * @returns {{ stop: () => Promise<void>, refreshHighlights: () => void }}
 */
export function followFeed({ server, feed, hubProtocol = null, start = null, onReset, onEvent, onState, onHighlights = null }) {
  // One count of attempts for both ways a connection comes back: SignalR's automatic reconnect
  // (whose own count starts over with every drop) and the loop below.
  const policy = new ReconnectPolicy();
  const builder = new HubConnectionBuilder()
    .withUrl(`${server}/hubs/feed`, {
      withCredentials: false,
      httpClient: new RetryAfterHttpClient((ms) => policy.retryAfter(ms)),
      // A binary protocol (MessagePack): Server-Sent Events cannot carry it.
      transport: hubProtocol?.transferFormat === TransferFormat.Binary
        ? HttpTransportType.WebSockets | HttpTransportType.LongPolling
        : HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling,
    })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: () => policy.nextDelay() })
    .configureLogging(LogLevel.None);
  if (hubProtocol) {
    builder.withHubProtocol(hubProtocol);
  }

  const connection = builder.build();
  let stopped = false;
  let state = null;
  let offlineTimer = null;
  const setState = (next) => {
    if (next === state) {
      return;
    }

    state = next;
    clearTimeout(offlineTimer);
    offlineTimer = null;
    if (next === ConnectionState.reconnecting || next === ConnectionState.connecting) {
      offlineTimer = setTimeout(() => setState(ConnectionState.offline), OFFLINE_AFTER_MS);
    }

    onState(next);
  };

  const follower = new FeedFollower({
    feed,
    start,
    subscribe: (name, epoch, sequence) => connection.invoke("Subscribe", name, epoch, sequence),
    fetchEvents: async (name, epoch, after) => {
      const query = new URLSearchParams({ epoch, after: String(after) });
      const response = await fetch(`${server}/api/feeds/${encodeURIComponent(name)}/events?${query}`, {
        credentials: "omit",
        cache: "no-store",
      });
      if (!response.ok) {
        throw new Error(`GET events answered ${response.status}`);
      }

      return response.json();
    },
    onReset: (items) => {
      onReset(items);
      if (onHighlights) {
        readHighlights(0);
      }
    },
    onEvent,
  });

  // A reset holds only the latest items: the pinned item and key events may be older. They are read on their own (GET
  // .../highlights, which answers the position it was read at, not in the contract: docs/contract.md) and handed on
  // when that position is not behind what was applied meanwhile; behind it, the events since may have changed them:
  // they are read again. (Ahead of it, the events still to come put what they published in its place.)
  async function readHighlights(attempt) {
    let answer;
    try {
      const response = await fetch(`${server}/api/feeds/${encodeURIComponent(feed)}/highlights`, { credentials: "omit", cache: "no-store" });
      answer = response.ok ? await response.json() : null; // (404: an older server; they show when they next change)
    } catch {
      answer = null;
    }

    if (stopped || !answer || answer.epoch !== follower.epoch) {
      return;
    }

    if (answer.sequence < follower.sequence) {
      if (attempt < HIGHLIGHTS_READS) {
        setTimeout(() => readHighlights(attempt + 1), HIGHLIGHTS_RETRY_MS);
      }
    } else {
      onHighlights({ pinned: answer.pinned ?? null, keyEvents: answer.keyEvents ?? [] });
    }
  }

  connection.on("FeedEvent", (event) => follower.receive(event));

  // Subscribes on the connection that is open now; if that fails, drops the connection so
  // that the next one tries again. Only an answered Subscribe makes the connection healthy: a
  // server that accepts a connection and then cannot serve it (its Redis is away) must see the
  // waits grow, not a loop.
  const subscribe = async () => {
    try {
      await follower.subscribe();
      policy.healthy();
      setState(ConnectionState.live);
    } catch {
      if (!stopped) {
        await connection.stop();
        startLoop();
      }
    }
  };

  connection.onreconnecting(() => setState(ConnectionState.reconnecting));
  connection.onreconnected(() => subscribe());
  connection.onclose(() => {
    if (!stopped) {
      startLoop(); // automatic reconnect gave up (or was never started): start again
    }
  });

  let looping = false;
  let firstAttempt = true;
  async function startLoop() {
    if (looping) {
      return;
    }

    looping = true;
    while (!stopped) {
      if (!firstAttempt) {
        await new Promise((resolve) => setTimeout(resolve, policy.nextDelay()));
        if (stopped) {
          break;
        }
      }

      firstAttempt = false;
      try {
        await connection.start();
        looping = false;
        await subscribe();
        return;
      } catch {
        if (state !== ConnectionState.offline) {
          setState(ConnectionState.reconnecting);
        }
      }
    }

    looping = false;
  }

  setState(ConnectionState.connecting);
  startLoop();

  return {
    /** Reads the pinned item and key events again (a page's column asks when an event marked one it cannot place). */
    refreshHighlights() {
      if (onHighlights && !stopped) {
        readHighlights(0);
      }
    },

    async stop() {
      stopped = true;
      follower.close();
      clearTimeout(offlineTimer);
      await connection.stop();
    },
  };
}
