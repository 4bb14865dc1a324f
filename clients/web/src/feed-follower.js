// The feed logic every LiveFeed page runs: docs/contract.md, "Order, gaps and duplicates:
// what every client does". One FeedFollower per feed keeps the epoch and the last applied
// sequence, and turns what the hub and the HTTP API answer into an ordered stream of
// "reset" (start over from these items) and "event" (apply this one event) calls, each
// event exactly once and in sequence order. It knows nothing of SignalR or the DOM: the
// caller hands it the calls it needs, so node's test runner drives it with fakes.

/** How long an event after a gap is held while the missing ones may still arrive. */
export const GAP_HOLD_MS = 1000;

export class FeedFollower {
  /**
   * @param {object} options
   * @param {string} options.feed the feed name
   * @param {{ epoch: string, sequence: number }|null} [options.start] the position of what is already
   *   shown (a page the server rendered): the first Subscribe asks for what came after it
   * @param {(feed: string, epoch: string|null, sequence: number|null) => Promise<object>} options.subscribe
   *   the hub's Subscribe: answers a FeedPage
   * @param {(feed: string, epoch: string, after: number) => Promise<object>} options.fetchEvents
   *   GET /api/feeds/{feed}/events?epoch=&after=: answers a FeedPage
   * @param {(items: object[], page: object) => void} options.onReset start over from these items (newest first)
   * @param {(event: object) => void} options.onEvent apply this event
   * @param {(error: unknown) => void} [options.onError] a gap could not be filled (it is tried again)
   * @param {number} [options.holdMs]
   * @param {(callback: () => void, ms: number) => unknown} [options.setTimer]
   * @param {(timer: unknown) => void} [options.clearTimer]
   */
  constructor({ feed, start = null, subscribe, fetchEvents, onReset, onEvent, onError = () => {}, holdMs = GAP_HOLD_MS,
    setTimer = (callback, ms) => setTimeout(callback, ms), clearTimer = (timer) => clearTimeout(timer) }) {
    this.feed = feed;
    this._subscribe = subscribe;
    this._fetchEvents = fetchEvents;
    this._onReset = onReset;
    this._onEvent = onEvent;
    this._onError = onError;
    this._holdMs = holdMs;
    this._setTimer = setTimer;
    this._clearTimer = clearTimer;

    /** The epoch of what was applied; null until the first page. */
    this.epoch = start?.epoch ?? null;
    /** The last applied sequence; null until the first page. */
    this.sequence = start ? start.sequence : null;

    this._held = new Map(); // sequence -> event, all after a gap
    this._inbox = []; // events that arrived while a page was being asked for
    this._busy = 0;
    this._gapTimer = null;
    this._closed = false;
  }

  /** The position of the last applied event: what a reconnect subscribes with. */
  get position() {
    return { epoch: this.epoch, sequence: this.sequence };
  }

  /**
   * Subscribes (the first time: from the start position, or without one; after a reconnect: from
   * the last applied position) and applies the answer. Rejects when Subscribe fails; nothing is changed then.
   */
  async subscribe() {
    const { epoch, sequence } = this.epoch === null ? { epoch: null, sequence: null } : this.position;
    await this._withPage(() => this._subscribe(this.feed, epoch, sequence));
  }

  /** One FeedEvent from the hub. */
  receive(event) {
    if (this._closed || !event || event.feed !== this.feed) {
      return;
    }

    if (this._busy > 0 || this.epoch === null) {
      // A page is on its way (or none has come yet): the event is judged against it once it is here.
      this._inbox.push(event);
      return;
    }

    this._judge(event);
  }

  /** Stops the gap timer; later events and answers are ignored. */
  close() {
    this._closed = true;
    this._stopGapTimer();
    this._held.clear();
    this._inbox = [];
  }

  _judge(event) {
    if (event.epoch !== this.epoch) {
      // Rule 1: subscribe again from our position. If the log was lost the answer is a reset page;
      // an event straying from an older epoch costs nothing.
      this._withPage(() => this._subscribe(this.feed, this.epoch, this.sequence)).catch((error) => {
        this._onError(error);
      });
      return;
    }

    if (event.sequence <= this.sequence) {
      return; // Rule 2: already applied.
    }

    if (event.sequence === this.sequence + 1) {
      this._apply(event); // Rule 3, then whatever held events now follow on.
      this._applyHeld();
    } else {
      this._held.set(event.sequence, event); // Rule 4: a gap; wait a moment for the missing ones.
    }

    this._updateGapTimer();
  }

  _apply(event) {
    this.sequence = event.sequence;
    this._onEvent(event);
  }

  _applyHeld() {
    for (const sequence of [...this._held.keys()].sort((a, b) => a - b)) {
      if (sequence <= this.sequence) {
        this._held.delete(sequence);
      } else if (sequence === this.sequence + 1) {
        const event = this._held.get(sequence);
        this._held.delete(sequence);
        this._apply(event);
      } else {
        break;
      }
    }
  }

  _updateGapTimer() {
    if (this._held.size === 0) {
      this._stopGapTimer();
    } else if (this._gapTimer === null && !this._closed) {
      this._gapTimer = this._setTimer(() => {
        this._gapTimer = null;
        this._fillGap();
      }, this._holdMs);
    }
  }

  _stopGapTimer() {
    if (this._gapTimer !== null) {
      this._clearTimer(this._gapTimer);
      this._gapTimer = null;
    }
  }

  async _fillGap() {
    if (this._closed || this._held.size === 0 || this._busy > 0) {
      return;
    }

    try {
      await this._withPage(() => this._fetchEvents(this.feed, this.epoch, this.sequence));
    } catch (error) {
      this._onError(error);
      this._updateGapTimer(); // still open: ask again after another hold
    }
  }

  _startOver() {
    this._held.clear();
    this._stopGapTimer();
    this._withPage(() => this._subscribe(this.feed, null, null)).catch((error) => {
      // The connection layer subscribes again after a reconnect; until then keep what is shown.
      this._onError(error);
    });
  }

  // Asks for a page, applies it (asking again while the answer says more events follow), then
  // judges what arrived meanwhile. Events are queued while a page is outstanding, so what is
  // applied stays in order.
  async _withPage(ask) {
    this._busy++;
    try {
      let page = await ask();
      while (!this._closed) {
        const more = this._applyPage(page);
        if (!more) {
          break;
        }

        page = await this._fetchEvents(this.feed, this.epoch, this.sequence);
      }
    } finally {
      this._busy--;
    }

    if (this._busy === 0 && !this._closed) {
      const inbox = this._inbox;
      this._inbox = [];
      for (const event of inbox) {
        if (this._busy > 0) {
          this._inbox.push(event); // a start-over began: judge the rest against its page
        } else {
          this._judge(event);
        }
      }

      this._updateGapTimer();
    }
  }

  // Applies one FeedPage; answers whether more events are to be asked for.
  _applyPage(page) {
    if (this._closed) {
      return false;
    }

    if (page.reset) {
      // Held events stay useful only if they follow on from the reset page in its epoch.
      for (const [sequence, event] of this._held) {
        if (event.epoch !== page.epoch || sequence <= page.sequence) {
          this._held.delete(sequence);
        }
      }

      this.epoch = page.epoch;
      this.sequence = page.sequence;
      this._onReset(page.items ?? [], page);
      this._applyHeld();
      return false;
    }

    if (page.epoch !== this.epoch) {
      // Not a reset, yet from another epoch: the store changed under the question. Start over.
      this._startOver();
      return false;
    }

    for (const event of page.events ?? []) {
      if (event.sequence === this.sequence + 1) {
        this._apply(event);
      } else if (event.sequence > this.sequence + 1) {
        this._held.set(event.sequence, event);
      }
    }

    this._applyHeld();
    // A page is cut at the events limit: its sequence is then ahead of its last event.
    return page.sequence > this.sequence && (page.events?.length ?? 0) > 0;
  }
}
