// One hub connection that follows one feed: connects, subscribes, reconnects for ever, and
// resubscribes from the last applied position after every reconnect (automatic reconnect
// makes a new connection, which has no subscriptions). What to apply, and when to start
// over, is FeedFollower's business.
import { HubConnectionBuilder, HttpTransportType, LogLevel } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { FeedFollower } from "./feed-follower.js";

/** Connection states a page shows. */
export const ConnectionState = Object.freeze({
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  offline: "offline",
});

// After this long without a connection the page says "offline" (it keeps trying).
const OFFLINE_AFTER_MS = 15000;

/** Delays between reconnect attempts: quick at first, then every 5 to 10 seconds, for ever. */
export function reconnectDelay(attempt) {
  const steps = [0, 1000, 2000, 3000, 5000];
  return attempt < steps.length ? steps[attempt] : 5000 + Math.floor(Math.random() * 5000);
}

/**
 * Follows `feed` on the LiveFeed server at `server` (an origin, "" for the page's own).
 * @param {object} options
 * @param {string} options.server
 * @param {string} options.feed
 * @param {"json"|"messagepack"} [options.protocol]
 * @param {(items: object[]) => void} options.onReset
 * @param {(event: object) => void} options.onEvent
 * @param {(state: string) => void} options.onState
 * @returns {{ stop: () => Promise<void> }}
 */
export function followFeed({ server, feed, protocol = "messagepack", onReset, onEvent, onState }) {
  const builder = new HubConnectionBuilder()
    .withUrl(`${server}/hubs/feed`, {
      withCredentials: false,
      // MessagePack is binary: Server-Sent Events cannot carry it.
      transport: protocol === "messagepack"
        ? HttpTransportType.WebSockets | HttpTransportType.LongPolling
        : HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling,
    })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ({ previousRetryCount }) => reconnectDelay(previousRetryCount) })
    .configureLogging(LogLevel.None);
  if (protocol === "messagepack") {
    builder.withHubProtocol(new MessagePackHubProtocol());
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
    onReset: (items) => onReset(items),
    onEvent,
  });

  connection.on("FeedEvent", (event) => follower.receive(event));

  // Connections in a row that did not get as far as live. A server that accepts a connection and
  // then cannot serve it (its Redis is away) must not be asked again at once, again and again:
  // the wait grows with this count, which only a live connection resets.
  let failures = 0;

  // Subscribes on the connection that is open now; if that fails, drops the connection so
  // that the next one tries again.
  const subscribe = async () => {
    try {
      await follower.subscribe();
      failures = 0;
      setState(ConnectionState.live);
    } catch {
      if (!stopped) {
        failures++;
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
  async function startLoop() {
    if (looping) {
      return;
    }

    looping = true;
    while (!stopped) {
      if (failures > 0) {
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(failures)));
        if (stopped) {
          break;
        }
      }

      try {
        await connection.start();
        looping = false;
        await subscribe();
        return;
      } catch {
        failures++;
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
    async stop() {
      stopped = true;
      follower.close();
      clearTimeout(offlineTimer);
      await connection.stop();
    },
  };
}
