// The order the pages show a feed's items in: the feed's own, the order of its events, which is the order the API and
// the hub give (docs/contract.md: a reset page and GET items are newest first; events come in sequence order). Never
// by publishedAt or id: items go out in the same millisecond, an id is made when the item is posted or scheduled (a
// scheduled item goes out later under the id it got then), and two instances make ids apart. publishedAt is for
// display only.
//
// Each item gets a rank, the greater the newer. A reset page's items rank 0, -1, -2, ... in the page's order: below
// every event that follows the page (sequences start at 1). An item published by an event ranks by the event's
// sequence: the pages apply events in sequence order, so it is newer than everything ranked before it. An item whose
// place is not known (the pinned item read on its own, older than the page; an item first seen in a correction)
// ranks below everything ranked so far. A correction changes no rank. No DOM here: node's test runner drives it.

export class FeedOrder {
  constructor() {
    this._ranks = new Map(); // id -> rank
    this._lowest = 1;
    /** Newest first, for `sort` (an item never ranked goes last). */
    this.compare = (a, b) => {
      const first = this._ranks.get(a.id) ?? -Infinity;
      const second = this._ranks.get(b.id) ?? -Infinity;
      return first === second ? 0 : first > second ? -1 : 1;
    };
  }

  /** Starts over from a reset page's items (newest first), if any. */
  reset(items = []) {
    this._ranks.clear();
    this._lowest = 1;
    items.forEach((item, place) => this.inPage(item.id, place));
  }

  /** The item at `place` in the reset page shown (0 the newest). */
  inPage(id, place) {
    this._set(id, -place);
  }

  /** The item the event with this sequence published. */
  published(id, sequence) {
    this._set(id, sequence);
  }

  /** An item whose place is not known: older than everything ranked so far (an item already ranked keeps its rank). */
  older(id) {
    if (!this._ranks.has(id)) {
      this._set(id, this._lowest - 1);
    }
  }

  /** True when the item has a rank. */
  has(id) {
    return this._ranks.has(id);
  }

  /** Forgets a retracted item. */
  forget(id) {
    this._ranks.delete(id);
  }

  _set(id, rank) {
    this._ranks.set(id, rank);
    this._lowest = Math.min(this._lowest, rank);
  }
}
