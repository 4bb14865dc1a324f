// A live column that follows one feed: the view of feed-view.js fed by the connection of
// feed-connection.js. The reader page and the embeddable widget both mount exactly this.
import { followFeed } from "./feed-connection.js";
import { createFeedColumn } from "./feed-view.js";

/** The rule feed names follow (docs/contract.md). */
export const FEED_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * Mounts a live column for `feed` into `container`.
 * @param {HTMLElement} container
 * @param {{ server: string, feed: string, protocol?: string, title: string, headingLevel?: number }} options
 */
export function mountLiveColumn(container, { server, feed, protocol, title, headingLevel = 2 }) {
  const column = createFeedColumn(container, { title, headingLevel });
  if (!FEED_NAME.test(feed)) {
    column.setState("offline");
    column.reset([]);
    container.querySelector(".lf-empty").textContent =
      `"${feed}" is not a feed name: use lowercase letters, digits and dashes.`;
    return { column, stop: async () => {} };
  }

  const connection = followFeed({
    server,
    feed,
    protocol: protocol === "json" ? "json" : "messagepack",
    onReset: (items) => column.reset(items),
    onEvent: (event) => column.apply(event),
    onState: (state) => column.setState(state),
  });
  return { column, stop: () => connection.stop() };
}
