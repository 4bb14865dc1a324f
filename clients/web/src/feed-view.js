// The live column as readers see it: the reader page, the embeddable widget and the newsroom
// console's preview and recent list all render items with this code. Text is only ever set
// with textContent: a headline such as <img src=x onerror=alert(1)> shows as those characters.
import { ConnectionState } from "./feed-connection.js";
import { FeedOrder } from "./feed-order.js";
import { formatAge, formatFull, formatTime, linkHost, newItemsLabel, toDate } from "./format.js";

const MAX_ITEMS = 200;
const AGE_REFRESH_MS = 15000;
const ANNOUNCED_KEPT = 5;
const MAX_KEY_EVENTS = 50;
const NO_NEWS = "No news yet. New items appear here the moment they are published.";
const PRIORITY_LABELS = { flash: "Flash", urgent: "Urgent" };
const STATE_LABELS = {
  [ConnectionState.connecting]: "Connecting…",
  [ConnectionState.live]: "Live",
  [ConnectionState.reconnecting]: "Reconnecting…",
  [ConnectionState.offline]: "Offline",
};

function element(document, tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }

  if (text !== undefined && text !== null) {
    node.textContent = text;
  }

  return node;
}

/**
 * The content of one item (time, age, priority, headline, body, tags, link, "Updated …"), as a
 * fragment to put in a list entry or a preview. With `address`, the time links to the item's own page.
 */
export function renderItemContent(document, item, now = new Date(), address = null) {
  const article = element(document, "article", "lf-entry");
  const published = toDate(item.publishedAt) ?? now;

  const meta = element(document, "div", "lf-meta");
  const time = element(document, "time", "lf-time", formatTime(published, now));
  time.dateTime = published.toISOString();
  time.title = formatFull(published);
  if (address) {
    const permalink = element(document, "a", "lf-permalink");
    permalink.href = address;
    permalink.append(time);
    meta.append(permalink);
  } else {
    meta.append(time);
  }
  const age = element(document, "span", "lf-age", formatAge(published, now));
  age.dataset.since = published.toISOString();
  meta.append(age);
  if (PRIORITY_LABELS[item.priority]) {
    meta.append(element(document, "span", "lf-priority", PRIORITY_LABELS[item.priority]));
  }

  if (item.keyEvent) {
    meta.append(element(document, "span", "lf-key-badge", "Key event"));
  }

  article.append(meta);
  article.append(element(document, "h3", "lf-headline", item.headline));
  if (item.body) {
    article.append(element(document, "p", "lf-body", item.body));
  }

  const tags = item.tags ?? [];
  const host = linkHost(item.link);
  const updated = toDate(item.updatedAt);
  if (tags.length > 0 || host || updated) {
    const foot = element(document, "div", "lf-foot");
    if (tags.length > 0) {
      const list = element(document, "ul", "lf-tags");
      for (const tag of tags) {
        list.append(element(document, "li", "lf-tag", tag));
      }

      foot.append(list);
    }

    if (host) {
      const link = element(document, "a", "lf-link", `Read more at ${host}`);
      link.href = item.link;
      link.rel = "noopener noreferrer";
      foot.append(link);
    }

    if (updated) {
      const note = element(document, "span", "lf-updated", `Updated ${formatTime(updated, now)}`);
      note.dataset.at = updated.toISOString();
      note.title = formatFull(updated);
      foot.append(note);
    }

    article.append(foot);
  }

  return article;
}

/**
 * Brings every relative age and local time under `root` up to date, in the reader's time zone and
 * language (a column the server rendered comes with UTC times and no ages).
 */
export function refreshTimes(root, now = new Date()) {
  for (const age of root.querySelectorAll(".lf-age")) {
    age.textContent = formatAge(new Date(age.dataset.since), now);
  }

  for (const time of root.querySelectorAll("time.lf-time")) {
    const date = new Date(time.dateTime);
    time.textContent = formatTime(date, now);
    time.title = formatFull(date);
  }

  for (const note of root.querySelectorAll(".lf-updated[data-at]")) {
    const date = new Date(note.dataset.at);
    note.textContent = `Updated ${formatTime(date, now)}`;
    note.title = formatFull(date);
  }
}

// A new column's elements.
function buildColumn(document, title, headingLevel) {
  const column = element(document, "section", "lf-column");
  const header = element(document, "div", "lf-column-head");
  const heading = element(document, `h${headingLevel}`, "lf-column-title", title);
  heading.id = `lf-title-${Math.random().toString(36).slice(2, 9)}`;
  heading.tabIndex = -1;
  column.setAttribute("aria-labelledby", heading.id);
  const status = element(document, "p", "lf-status");
  status.setAttribute("role", "status");
  status.dataset.state = ConnectionState.connecting;
  status.append(element(document, "span", "lf-status-dot"), element(document, "span", "lf-status-text", STATE_LABELS.connecting));
  header.append(heading, status);

  const newBar = element(document, "div", "lf-new");
  newBar.hidden = true;
  const newButton = element(document, "button", "lf-new-button");
  newButton.type = "button";
  newBar.append(newButton);

  const list = element(document, "ol", "lf-items");
  list.setAttribute("aria-labelledby", heading.id);
  // "Loading…" until the first page arrives: a feed that could not be read yet is not an empty feed.
  const empty = element(document, "p", "lf-empty", "Loading…");

  const pinnedBox = buildPinned(document);
  const keyBox = buildKeyEvents(document, headingLevel + 1);
  column.append(header, pinnedBox, keyBox, newBar, list, empty, buildAnnouncer(document));
  return { column, heading, status, newBar, newButton, list, empty, announcer: column.lastChild, pinnedBox, keyBox };
}

// Above the list: the feed's pinned item ("What we know so far"), not in the list while pinned.
function buildPinned(document) {
  const box = element(document, "div", "lf-pinned");
  box.hidden = true;
  box.append(element(document, "p", "lf-pinned-label", "Pinned"), element(document, "div", "lf-pinned-entry"));
  return box;
}

// Above the list: the items marked key events, newest first, each linking to the item.
function buildKeyEvents(document, headingLevel) {
  const box = element(document, "nav", "lf-key-events");
  box.setAttribute("aria-label", "Key events");
  box.hidden = true;
  box.append(element(document, `h${Math.min(headingLevel, 6)}`, "lf-key-title", "Key events"), element(document, "ol", "lf-key-list"));
  return box;
}

// The column's live region: what screen readers announce. Not the list itself, whose ages and times
// change every 15 s: only a line per new item, correction or retraction is added here.
function buildAnnouncer(document) {
  const announcer = element(document, "div", "lf-announcer");
  announcer.setAttribute("role", "log");
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-relevant", "additions");
  return announcer;
}

// The elements of a column the server rendered (the same elements buildColumn makes).
function adoptColumn(column) {
  const part = (selector) => column.querySelector(selector);
  const status = part(".lf-status");
  status.hidden = false;
  // (A column rendered by an older server has no announcer, pinned item or key events: it gets them.)
  const document = column.ownerDocument;
  const announcer = part(".lf-announcer") ?? column.appendChild(buildAnnouncer(document));
  const afterHead = (made) => {
    part(".lf-column-head").after(made);
    return made;
  };
  const keyBox = part(".lf-key-events") ?? afterHead(buildKeyEvents(document, Number(part(".lf-column-title").tagName[1]) + 1));
  const pinnedBox = part(".lf-pinned") ?? afterHead(buildPinned(document));
  return {
    column,
    heading: part(".lf-column-title"),
    status,
    newBar: part(".lf-new"),
    newButton: part(".lf-new-button"),
    list: part(".lf-items"),
    empty: part(".lf-empty"),
    announcer,
    pinnedBox,
    keyBox,
  };
}

/**
 * The column the server rendered into `container`, if any: its section, the position it was read at
 * (null when the server could not read the feed) and the items it shows, as far as the markup says
 * (id, priority, publishedAt; the next event of an item brings all of it), each with its place in the
 * reset page it was rendered from (`data-place`, 0 the newest; the pinned item's is null when it is older
 * than the page). A column from a server that wrote no places: the list's own order.
 */
export function renderedColumn(container) {
  const column = container.querySelector(":scope > .lf-column");
  if (!column) {
    return null;
  }

  const { epoch, sequence } = column.dataset;
  const place = (entry, otherwise) => (/^\d+$/.test(entry.dataset.place ?? "") ? Number(entry.dataset.place) : otherwise);
  const items = [...column.querySelectorAll(".lf-items > .lf-item")].map((entry, index) => ({
    entry,
    place: place(entry, index),
    item: {
      id: entry.dataset.id,
      priority: entry.dataset.priority,
      publishedAt: entry.querySelector("time.lf-time")?.dateTime,
    },
  }));
  const pinned = column.querySelector(".lf-pinned-entry[data-id]");
  return {
    column,
    position: epoch !== undefined && /^\d+$/.test(sequence ?? "") ? { epoch, sequence: Number(sequence) } : null,
    items,
    pinned: pinned ? { id: pinned.dataset.id, pinned: true } : null,
    pinnedPlace: pinned ? place(pinned, null) : null,
    keyEvents: [...column.querySelectorAll(".lf-key-list > [data-id]")].map((entry) => ({
      id: entry.dataset.id,
      keyEvent: true,
      headline: entry.querySelector(".lf-key-headline")?.textContent ?? "",
      publishedAt: entry.querySelector("time")?.dateTime,
    })),
  };
}

/**
 * A live column in `container`: a heading with the connection state, the "N new items" button
 * and the list. Answers the calls a feed connection makes (reset, apply, setState). A column the
 * server already rendered there is taken over as it stands (its items, times put in the reader's
 * time zone), so the page shows no "Loading…" and nothing twice.
 * @param {HTMLElement} container
 * @param {object} options
 * @param {string} options.title the column's heading
 * @param {(item: object) => HTMLElement|null} [options.actions] extra controls per item (the console's)
 * @param {boolean} [options.holdWhenScrolled] keep new items behind a button while the reader reads further down
 * @param {number} [options.headingLevel]
 * @param {(id: string) => boolean} [options.isEditing] true while the console edits this item: leave its entry alone
 * @param {(item: object) => string|null} [options.itemAddress] the address of an item's own page, which its time links to
 */
export function createFeedColumn(container, {
  title, actions = null, holdWhenScrolled = true, headingLevel = 2, isEditing = () => false, itemAddress = () => null,
}) {
  const document = container.ownerDocument;
  const items = new Map(); // id -> item, everything applied
  const shown = new Map(); // id -> list entry
  const waiting = new Set(); // ids applied but held behind the button
  let pinned = null; // the pinned item (from the markup: its id only, until an event brings the rest)
  const keyEvents = new Map(); // id -> item marked keyEvent
  const order = new FeedOrder(); // the feed's order of the items, the pinned one and the key events (feed-order.js)

  const rendered = renderedColumn(container);
  const { column, heading, status, newBar, newButton, list, empty, announcer, pinnedBox, keyBox } = rendered
    ? adoptColumn(rendered.column)
    : buildColumn(document, title, headingLevel);
  const pinnedEntry = pinnedBox.lastChild;
  if (rendered) {
    for (const { entry, item, place } of rendered.items) {
      items.set(item.id, item);
      shown.set(item.id, entry);
      order.inPage(item.id, place);
    }

    pinned = rendered.pinned;
    if (pinned && rendered.pinnedPlace !== null) {
      order.inPage(pinned.id, rendered.pinnedPlace);
    }

    for (const item of rendered.keyEvents) { // (newest first)
      keyEvents.set(item.id, item);
      order.older(item.id); // (one of the page's items keeps its rank from above; an older one ranks below them)
    }

    if (pinned) {
      order.older(pinned.id); // (older than the page, when it is not one of its items)
    }

    refreshTimes(column);
  } else {
    container.append(column);
  }

  const readerIsDown = () => holdWhenScrolled && shown.size > 0 && list.getBoundingClientRect().top < 0;

  function entryFor(item, highlight) {
    const entry = element(document, "li", "lf-item");
    entry.dataset.id = item.id;
    entry.dataset.priority = item.priority ?? "normal";
    fill(entry, item);
    if (highlight) {
      flash(entry);
    }

    return entry;
  }

  function fill(entry, item) {
    entry.replaceChildren(renderItemContent(document, item, new Date(), itemAddress(item)));
    entry.dataset.priority = item.priority ?? "normal";
    const extra = actions?.(item);
    if (extra) {
      entry.append(extra);
    }
  }

  function flash(entry) {
    entry.classList.remove("lf-highlight");
    // Restart the animation when an entry is highlighted again.
    void entry.offsetWidth;
    entry.classList.add("lf-highlight");
    entry.addEventListener("animationend", () => entry.classList.remove("lf-highlight"), { once: true });
  }

  function place(entry, item) {
    // Newest first: before the first shown item that is older.
    for (const other of list.children) {
      const otherItem = items.get(other.dataset.id);
      if (otherItem && order.compare(item, otherItem) < 0) {
        list.insertBefore(entry, other);
        return;
      }
    }

    list.append(entry);
  }

  function trim() {
    while (items.size > MAX_ITEMS) {
      // (Its rank is kept: it may still be a key event.)
      const oldest = [...items.values()].sort(order.compare).at(-1);
      remove(oldest.id);
    }
  }

  function renderPinned() {
    pinnedBox.hidden = !pinned;
    if (!pinned) {
      pinnedEntry.replaceChildren();
      delete pinnedEntry.dataset.id;
    } else if (!isEditing(pinned.id)) {
      pinnedEntry.dataset.id = pinned.id;
      fill(pinnedEntry, pinned);
    }
  }

  function renderKeyEvents() {
    const newest = [...keyEvents.values()].sort(order.compare);
    for (const { id } of newest.slice(MAX_KEY_EVENTS)) {
      keyEvents.delete(id);
    }

    keyBox.hidden = keyEvents.size === 0;
    keyBox.lastChild.replaceChildren(...newest.slice(0, MAX_KEY_EVENTS).map((item) => {
      const entry = element(document, "li", "lf-key-event");
      entry.dataset.id = item.id;
      const link = element(document, "a", "lf-key-link");
      link.href = itemAddress(item) ?? "#";
      const published = toDate(item.publishedAt) ?? new Date();
      const time = element(document, "time", "lf-time", formatTime(published));
      time.dateTime = published.toISOString();
      link.append(time, " ", element(document, "span", "lf-key-headline", item.headline));
      entry.append(link);
      return entry;
    }));
  }

  // A key event's link goes to the item in the column when it is there, else to the item's own page.
  keyBox.addEventListener("click", (e) => {
    const id = e.target.closest?.(".lf-key-event")?.dataset.id;
    if (waiting.has(id)) {
      showWaiting({ focus: false });
    }

    const target = shown.get(id) ?? (pinned?.id === id ? pinnedBox : null);
    if (target) {
      e.preventDefault();
      target.tabIndex = -1;
      target.scrollIntoView({ block: "start", behavior: "smooth" });
      target.focus({ preventScroll: true });
      flash(target);
    }
  });

  function remove(id) {
    items.delete(id);
    waiting.delete(id);
    shown.get(id)?.remove();
    shown.delete(id);
  }

  // One line per change, kept for a few changes (a screen reader reads each added line once).
  function announce(text) {
    announcer.append(element(document, "p", null, text));
    while (announcer.childElementCount > ANNOUNCED_KEPT) {
      announcer.firstElementChild.remove();
    }
  }

  function update() {
    empty.hidden = items.size > 0 || pinned !== null;
    newBar.hidden = waiting.size === 0;
    const arrow = element(document, "span", "lf-new-arrow", "↑ ");
    arrow.setAttribute("aria-hidden", "true");
    newButton.replaceChildren(arrow, newItemsLabel(waiting.size));
  }

  function showWaiting({ focus }) {
    const ids = [...waiting];
    waiting.clear();
    for (const id of ids) {
      const item = items.get(id);
      if (item) {
        const entry = entryFor(item, true);
        shown.set(id, entry);
        place(entry, item);
      }
    }

    update();
    if (focus) {
      column.scrollIntoView({ block: "start", behavior: "smooth" });
      heading.focus({ preventScroll: true });
    }
  }

  newButton.addEventListener("click", () => showWaiting({ focus: true }));
  const onScroll = () => {
    if (waiting.size > 0 && !readerIsDown()) {
      showWaiting({ focus: false });
    }
  };
  document.defaultView?.addEventListener("scroll", onScroll, { passive: true });
  const ageTimer = setInterval(() => refreshTimes(column), AGE_REFRESH_MS);

  return {
    /** Starts over from these items (a reset page's: newest first, shown in that order). */
    reset(newItems) {
      items.clear();
      shown.clear();
      waiting.clear();
      list.replaceChildren();
      announcer.replaceChildren();
      keyEvents.clear();
      order.reset(newItems);
      pinned = newItems.find((item) => item.pinned) ?? null;
      for (const item of newItems.slice(0, MAX_ITEMS)) {
        if (item.keyEvent) {
          keyEvents.set(item.id, item);
        }

        if (item !== pinned) {
          items.set(item.id, item);
          const entry = entryFor(item, false);
          shown.set(item.id, entry);
          list.append(entry);
        }
      }

      renderPinned();
      renderKeyEvents();
      empty.textContent = NO_NEWS;
      update();
    },

    /**
     * Applies one FeedEvent (the console's own corrections and retractions come without a sequence). Answers true when
     * the key events need a read of their own (call `showHighlights` with it): it made a key event of an item older
     * than everything shown, whose place only the store knows, or one left a full list, whose next is not known here.
     */
    apply(event) {
      const item = event.item;
      const live = event.kind !== "retracted";
      const wasPinned = pinned?.id === item.id;
      const wasFull = keyEvents.size >= MAX_KEY_EVENTS;
      const wasKeyEvent = keyEvents.delete(item.id);
      const placeUnknown = live && item.keyEvent && !wasKeyEvent && !order.has(item.id);
      if (event.kind === "published") {
        order.published(item.id, event.sequence);
      }

      if (live && item.keyEvent) {
        keyEvents.set(item.id, item);
        order.older(item.id); // (ranks only an item not ranked yet: a correction of one older than everything shown)
      }

      if (live && item.pinned) {
        // Pinned (the previously pinned item's own event unpins it): above the list, not in it.
        if (!wasPinned) {
          announce(`Pinned: ${item.headline}`);
        } else if (toDate(pinned.updatedAt)?.getTime() !== toDate(item.updatedAt)?.getTime()) {
          announce(`Updated: ${item.headline}`);
        }

        pinned = item;
        remove(item.id);
      } else if (wasPinned) {
        pinned = null;
      }

      if (!live) {
        if (items.has(item.id) || wasPinned) {
          announce(`Retracted: ${item.headline}`);
        }

        remove(item.id);
        order.forget(item.id);
      } else if (item.pinned) {
        // (shown above)
      } else if (items.has(item.id)) {
        // A correction (or a publish seen again after a reset): update in place. (The console applies
        // its own correction at once, and then hears it again: one announcement.)
        const changed = toDate(items.get(item.id).updatedAt)?.getTime() !== toDate(item.updatedAt)?.getTime();
        items.set(item.id, item);
        const entry = shown.get(item.id);
        if (entry && !isEditing(item.id)) {
          fill(entry, item);
          flash(entry);
          if (event.kind === "corrected" && changed) {
            announce(`Updated: ${item.headline}`);
          }
        }
      } else if (event.kind === "published" || wasPinned) {
        // New, or unpinned and back in its place. (A correction of an item not shown is older than
        // everything shown: nothing to show.)
        const news = event.kind === "published";
        items.set(item.id, item);
        if (readerIsDown() && news) {
          waiting.add(item.id);
          announce(`${newItemsLabel(waiting.size)} above`);
        } else {
          const entry = entryFor(item, news);
          shown.set(item.id, entry);
          place(entry, item);
          if (news) {
            announce(`${PRIORITY_LABELS[item.priority] ?? "New"}: ${item.headline}`);
          }
        }

        trim();
      }

      if (wasPinned || (live && item.pinned)) {
        renderPinned();
      }

      if (wasKeyEvent || keyEvents.has(item.id)) {
        renderKeyEvents();
      }

      update();
      return (placeUnknown && event.kind !== "published") || (wasFull && wasKeyEvent && !keyEvents.has(item.id));
    },

    /**
     * Shows the feed's key events and pinned item read on their own (after a reset, or when `apply` asked), at a
     * position not behind what was applied. A key event the column does not show is older than everything shown: they
     * are ranked in the read's order (the store's) below it all; one that an event still to come publishes takes its
     * rank from that event. The pinned item shows unless an event since the reset has pinned one: that one is newer,
     * and the events that moved the pin since arrive anyway.
     */
    showHighlights({ pinned: readPinned, keyEvents: readKeyEvents }) {
      for (const item of readKeyEvents) { // (newest first)
        if (items.has(item.id) || item.id === pinned?.id) {
          continue; // (what the column shows: its own state stands, and the events bring any change)
        }

        // Older than everything shown: ranked again, in the store's order, below it all.
        order.forget(item.id);
        order.older(item.id);
        keyEvents.set(item.id, item);
      }

      renderKeyEvents();

      if (readPinned && !pinned) {
        pinned = readPinned;
        remove(readPinned.id);
        order.older(readPinned.id);
        renderPinned();
        update();
      }
    },

    /** Shows the connection state. */
    setState(state) {
      status.dataset.state = state;
      status.lastChild.textContent = STATE_LABELS[state] ?? state;
    },

    /** The item shown under this id (in the list or pinned), if any. */
    item(id) {
      return items.get(id) ?? (pinned?.id === id ? pinned : undefined);
    },

    /** The entry of an item (in the list or pinned), if shown. */
    entry(id) {
      return shown.get(id) ?? (pinned?.id === id ? pinnedEntry : undefined);
    },

    /** Re-renders one shown item (the console, after an edit is cancelled). */
    redraw(id) {
      const item = this.item(id);
      const entry = this.entry(id);
      if (item?.headline !== undefined && entry) {
        fill(entry, item);
      }
    },

    destroy() {
      clearInterval(ageTimer);
      document.defaultView?.removeEventListener("scroll", onScroll);
      column.remove();
    },
  };
}
