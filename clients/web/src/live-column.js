// A live column that follows one feed: the view of feed-view.js fed by the connection of
// feed-connection.js. The reader page and the embeddable widget both mount exactly this.
import { followFeed } from "./feed-connection.js";
import { createFeedColumn, renderedColumn } from "./feed-view.js";

/** The rule feed names follow (docs/contract.md). */
export const FEED_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * Mounts a live column for `feed` into `container`. When the server already rendered the column
 * there (the reader page, a news site's include), it is taken over, and followed from the position
 * it was rendered at: what it shows is not asked for again.
 * @param {HTMLElement} container
 * @param {{ server: string, feed: string, hubProtocol?: object|null, title: string, headingLevel?: number }} options
 *   hubProtocol: the hub protocol (MessagePack's), or null for JSON
 */
export function mountLiveColumn(container, { server, feed, hubProtocol = null, title, headingLevel = 2 }) {
  const start = renderedColumn(container)?.position ?? null;
  const column = createFeedColumn(container, {
    title,
    headingLevel,
    itemAddress: (item) => `${server}/feeds/${encodeURIComponent(feed)}/items/${encodeURIComponent(item.id)}`,
  });
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
    hubProtocol,
    start,
    onReset: (items) => column.reset(items),
    onEvent: (event) => {
      if (column.apply(event)) {
        connection.refreshHighlights();
      }
    },
    onState: (state) => column.setState(state),
    onHighlights: (highlights) => column.showHighlights(highlights),
  });
  return { column, stop: () => connection.stop() };
}
