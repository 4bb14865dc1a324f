using LiveFeed.Contracts;

namespace LiveFeed.Feeds.InMemory;

/// <summary>One feed's log in memory. Not thread-safe: <see cref="InMemoryFeedStore"/> locks it.</summary>
internal sealed class InMemoryFeedLog(string epoch, FeedOptions options)
{
    // Events and items in append order. Trimming removes from the front in batches, so
    // an append costs O(1) amortised while exactly the retention limits stay visible.
    private readonly List<FeedEvent> _events = [];
    private readonly List<ItemSlot> _items = [];
    private readonly Dictionary<string, ItemSlot> _itemsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdempotencyRecord> _idempotency = new(StringComparer.Ordinal);
    private readonly Queue<string> _idempotencyOrder = new();
    private long _nextItemOrder;

    public long Sequence { get; private set; }

    /// <summary>The id of the feed's pinned item, or null.</summary>
    public string? PinnedId { get; private set; }

    /// <summary>The oldest event a reader can still resume from (Sequence + 1 when none is kept).</summary>
    public long OldestKeptSequence => Math.Max(1, Sequence - options.EventRetention + 1);

    public FeedEvent Append(FeedEventKind kind, FeedItem item, bool isNew)
    {
        var appended = FeedEvents.Create(epoch, ++Sequence, kind, item);
        _events.Add(appended);
        TrimFront(_events, options.EventRetention);

        if (isNew)
        {
            var slot = new ItemSlot(_nextItemOrder++, item, Sequence);
            _items.Add(slot);
            _itemsById[item.Id] = slot;
            if (_items.Count > options.ItemRetention)
            {
                var excess = _items.Count - options.ItemRetention;
                foreach (var dropped in _items.Take(excess))
                {
                    _itemsById.Remove(dropped.Item.Id);
                    if (dropped.Item.Id == PinnedId)
                    {
                        PinnedId = null;
                    }
                }

                _items.RemoveRange(0, excess);
            }
        }
        else
        {
            var slot = _itemsById[item.Id];
            slot.Item = item;
            slot.Version = Sequence;
        }

        if (item.Pinned)
        {
            PinnedId = item.Id;
        }
        else if (item.Id == PinnedId)
        {
            PinnedId = null;
        }

        return appended;
    }

    /// <summary>
    /// Appends the events of a write that leaves <paramref name="item"/> as given: first, when it pins the item and
    /// another is pinned, that one's unpinning (<see cref="FeedEvents.Unpin"/> at <paramref name="at"/> by
    /// <paramref name="by"/>), then the item's own event. Returns both.
    /// </summary>
    public (FeedEvent? Unpinned, FeedEvent Appended) AppendWithPin(FeedEventKind kind, FeedItem item, bool isNew, DateTime at, string by)
    {
        FeedEvent? unpinned = null;
        if (item.Pinned && PinnedId is { } pinnedId && pinnedId != item.Id && Find(pinnedId) is { } pinned)
        {
            unpinned = Append(FeedEventKind.Corrected, FeedEvents.Unpin(pinned, at, by), isNew: false);
        }

        return (unpinned, Append(kind, item, isNew));
    }

    public FeedItem? Find(string itemId) => _itemsById.TryGetValue(itemId, out var slot) ? slot.Item : null;

    public StoredItem? FindStored(string itemId) =>
        _itemsById.TryGetValue(itemId, out var slot) ? new StoredItem(slot.Item, new ItemVersion(epoch, slot.Version)) : null;

    /// <summary>The kept events of one item, oldest first.</summary>
    public IReadOnlyList<FeedEvent> History(string itemId) => _events.Where(e => e.Item.Id == itemId && e.Sequence >= OldestKeptSequence).ToList();

    public IReadOnlyList<FeedEvent> EventsAfter(long sequence, int maxEvents)
    {
        var firstSequence = _events.Count == 0 ? Sequence + 1 : _events[0].Sequence;
        var start = (int)(sequence + 1 - firstSequence);
        var count = (int)Math.Min(maxEvents, Sequence - sequence);
        return count <= 0 ? [] : _events.GetRange(start, count);
    }

    /// <summary>
    /// A read that answers every one of <paramref name="requests"/>: the events from the furthest-back reader that can
    /// resume up to the furthest any of them may take, and the latest items when one needs a reset.
    /// </summary>
    public FeedTail Tail(string feed, IReadOnlyList<PageRequest> requests)
    {
        long? from = null;
        long to = 0;
        var reset = false;
        foreach (var request in requests)
        {
            if (ResumeRule.CanResume(request.After, epoch, Sequence, OldestKeptSequence))
            {
                var after = request.After!.Value.Sequence;
                from = Math.Min(from ?? after, after);
                to = Math.Max(to, Math.Min(Sequence, after + Math.Max(0, request.MaxEvents)));
            }
            else
            {
                reset = true;
            }
        }

        var events = from is { } first ? EventsAfter(first, (int)(to - first)) : [];
        return new FeedTail(feed, epoch, Sequence, OldestKeptSequence, from ?? Sequence, events, reset ? Latest(null, options.SnapshotSize).Items : null);
    }

    /// <summary>Up to <paramref name="limit"/> non-retracted key events, newest first.</summary>
    public IReadOnlyList<FeedItem> KeyEvents(int limit)
    {
        var keyEvents = new List<FeedItem>();
        for (var index = _items.Count - 1; index >= 0 && keyEvents.Count < limit; index--)
        {
            if (_items[index].Item is { KeyEvent: true, RetractedAt: null } item)
            {
                keyEvents.Add(item);
            }
        }

        return keyEvents;
    }

    public (IReadOnlyList<FeedItem> Items, bool HasOlder) Latest(string? beforeItemId, int limit)
    {
        var end = _items.Count;
        if (beforeItemId is not null)
        {
            if (!_itemsById.TryGetValue(beforeItemId, out var before))
            {
                throw new UnknownItemException(beforeItemId);
            }

            end = _items.BinarySearch(before, ItemSlot.ByOrder);
        }

        var page = new List<FeedItem>(Math.Min(limit, end));
        var index = end - 1;
        for (; index >= 0 && page.Count < limit; index--)
        {
            if (_items[index].Item.RetractedAt is null)
            {
                page.Add(_items[index].Item);
            }
        }

        var hasOlder = false;
        for (; index >= 0 && !hasOlder; index--)
        {
            hasOlder = _items[index].Item.RetractedAt is null;
        }

        return (page, hasOlder);
    }

    public FeedItem? FindIdempotent(string key, DateTime now)
    {
        ForgetExpired(now);
        return _idempotency.TryGetValue(key, out var record) ? record.Item : null;
    }

    public void RememberIdempotent(string key, FeedItem item, DateTime expires)
    {
        _idempotency[key] = new IdempotencyRecord(item, expires);
        _idempotencyOrder.Enqueue(key);
    }

    private void ForgetExpired(DateTime now)
    {
        // Every key lives for the same window, so the queue is in expiry order.
        while (_idempotencyOrder.TryPeek(out var oldest)
               && _idempotency.TryGetValue(oldest, out var record)
               && record.Expires <= now)
        {
            _idempotencyOrder.Dequeue();
            _idempotency.Remove(oldest);
        }
    }

    private static void TrimFront<T>(List<T> list, int keep)
    {
        // Trim in batches of a quarter of the retention so appends stay O(1) amortised.
        if (list.Count > keep + Math.Max(1, keep / 4))
        {
            list.RemoveRange(0, list.Count - keep);
        }
    }

    private sealed class ItemSlot(long order, FeedItem item, long version)
    {
        public static readonly IComparer<ItemSlot> ByOrder = Comparer<ItemSlot>.Create((a, b) => a.Order.CompareTo(b.Order));

        public long Order { get; } = order;

        public FeedItem Item { get; set; } = item;

        /// <summary>The sequence of the item's latest event.</summary>
        public long Version { get; set; } = version;
    }

    private sealed record IdempotencyRecord(FeedItem Item, DateTime Expires);
}
