using System.Collections.Immutable;
using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// The client rule of the contract for one feed: keep the position (epoch, last applied sequence);
/// drop any event at or before it; apply the next one at once, then any held successors; hold a later
/// one (a gap) for at most <c>gapTimeout</c>, then fetch the missing events; an event or a page from
/// another epoch: subscribe again from the position, and start over if the answer is a reset.
/// </summary>
/// <remarks>Not thread-safe: its owner calls it from one loop at a time.</remarks>
internal sealed class FeedTracker(string feed, IFeedSource source, TimeSpan gapTimeout, TimeProvider time, int maxItems)
{
    private readonly SortedDictionary<long, FeedEvent> _held = [];
    private DateTimeOffset? _gapSince;

    public string Feed { get; } = feed;

    /// <summary>The epoch of the last applied page or event; null before the first page.</summary>
    public string? Epoch { get; private set; }

    /// <summary>The last applied sequence (0 for an empty feed).</summary>
    public long Sequence { get; private set; }

    /// <summary>The feed's items, newest first.</summary>
    public ImmutableList<FeedItem> Items { get; private set; } = [];

    /// <summary>Events received ahead of a gap, waiting for the missing ones.</summary>
    public int HeldCount => _held.Count;

    /// <summary>When the held events stop waiting and the missing ones are fetched; null when nothing is held.</summary>
    public DateTimeOffset? GapDeadline => Epoch is not null && _held.Count > 0 ? _gapSince + gapTimeout : null;

    /// <summary>Events dropped because they were at or before the position (already applied).</summary>
    public int Duplicates { get; private set; }

    /// <summary>Events that arrived after a gap and were held for the missing ones.</summary>
    public int OutOfOrder { get; private set; }

    /// <summary>Pages of missing events fetched to fill gaps.</summary>
    public int GapFetches { get; private set; }

    /// <summary>Times the feed started over from a reset page while it had a position (not the first page).</summary>
    public int Resets { get; private set; }

    /// <summary>
    /// Subscribes: from the last applied position when <paramref name="resume"/> (after a reconnect),
    /// else from nothing (a reset page).
    /// </summary>
    public async Task<IReadOnlyList<FeedUpdate>> SubscribeAsync(bool resume, CancellationToken cancellationToken)
    {
        var page = resume && Epoch is not null
            ? await source.SubscribeAsync(Feed, Epoch, Sequence, cancellationToken)
            : await source.SubscribeAsync(Feed, null, null, cancellationToken);
        var updates = new List<FeedUpdate>();
        ApplyPage(page, updates);
        return updates;
    }

    /// <summary>Takes one pushed event: applies it (and held successors), drops it, holds it, or starts over.</summary>
    public async Task<IReadOnlyList<FeedUpdate>> ReceiveAsync(FeedEvent feedEvent, CancellationToken cancellationToken)
    {
        var updates = new List<FeedUpdate>();
        if (!string.Equals(feedEvent.Feed, Feed, StringComparison.Ordinal))
        {
            return updates;
        }

        if (Epoch is null)
        {
            // Events may arrive before the first Subscribe answers: keep them until the page tells where we are.
            Hold(feedEvent);
            return updates;
        }

        if (!string.Equals(feedEvent.Epoch, Epoch, StringComparison.Ordinal))
        {
            // The server lost the log this position belongs to: a position in it means nothing any more.
            await ResubscribeAsync(updates, cancellationToken);
            return updates;
        }

        ApplyInOrder(feedEvent, updates);
        return updates;
    }

    /// <summary>
    /// When held events have waited past their deadline: fetches the events after the last applied one
    /// (page after page: the API answers at most 1000 at a time) and applies them.
    /// </summary>
    public async Task<IReadOnlyList<FeedUpdate>> FillGapAsync(CancellationToken cancellationToken)
    {
        var updates = new List<FeedUpdate>();
        if (GapDeadline is not { } deadline || time.GetUtcNow() < deadline)
        {
            return updates;
        }

        try
        {
            while (Epoch is not null)
            {
                var before = (Epoch, Sequence);
                var page = await source.ReadEventsAsync(Feed, Epoch, Sequence, cancellationToken);
                GapFetches++;
                if (!page.Reset && !string.Equals(page.Epoch, Epoch, StringComparison.Ordinal))
                {
                    await ResubscribeAsync(updates, cancellationToken);
                    break;
                }

                ApplyPage(page, updates);
                if (page.Reset || page.Sequence <= Sequence || before == (Epoch, Sequence))
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Try again after another timeout rather than at once, over and over.
            _gapSince = time.GetUtcNow();
            throw;
        }

        if (_held.Count > 0)
        {
            _gapSince = time.GetUtcNow();
        }

        return updates;
    }

    /// <summary>
    /// Another epoch showed up: subscribe again from this position (the contract's step 1). When the
    /// feed's log was really lost the answer is a reset and everything held is void; an event that
    /// strayed from an older epoch costs nothing.
    /// </summary>
    private async Task ResubscribeAsync(List<FeedUpdate> updates, CancellationToken cancellationToken)
    {
        var page = await source.SubscribeAsync(Feed, Epoch, Sequence, cancellationToken);
        if (page.Reset)
        {
            _held.Clear();
            _gapSince = null;
        }

        ApplyPage(page, updates);
    }

    private void ApplyPage(FeedPage page, List<FeedUpdate> updates)
    {
        if (page.Reset)
        {
            if (Epoch is not null)
            {
                Resets++;
            }

            Epoch = page.Epoch;
            Sequence = page.Sequence;
            Items = [.. page.Items.Take(maxItems)];
            updates.Add(new FeedUpdate { Feed = Feed, Epoch = Epoch, Sequence = Sequence, Items = Items });
        }
        else if (string.Equals(page.Epoch, Epoch, StringComparison.Ordinal))
        {
            foreach (var feedEvent in page.Events)
            {
                if (string.Equals(feedEvent.Epoch, Epoch, StringComparison.Ordinal))
                {
                    ApplyInOrder(feedEvent, updates);
                }
            }
        }

        ApplyHeld(updates);
    }

    private void ApplyInOrder(FeedEvent feedEvent, List<FeedUpdate> updates)
    {
        if (feedEvent.Sequence <= Sequence)
        {
            Duplicates++;
            return;
        }

        if (feedEvent.Sequence == Sequence + 1)
        {
            Apply(feedEvent, updates);
            ApplyHeld(updates);
        }
        else if (Hold(feedEvent))
        {
            OutOfOrder++;
        }
        else
        {
            Duplicates++;
        }
    }

    // False when an event of that sequence is already held.
    private bool Hold(FeedEvent feedEvent)
    {
        if (_held.Count == 0)
        {
            _gapSince = time.GetUtcNow();
        }

        return _held.TryAdd(feedEvent.Sequence, feedEvent);
    }

    private void ApplyHeld(List<FeedUpdate> updates)
    {
        while (_held.Count > 0)
        {
            var (sequence, held) = _held.First();
            if (!string.Equals(held.Epoch, Epoch, StringComparison.Ordinal))
            {
                _held.Remove(sequence);
            }
            else if (sequence <= Sequence)
            {
                _held.Remove(sequence);
                Duplicates++;
            }
            else if (sequence == Sequence + 1)
            {
                _held.Remove(sequence);
                Apply(held, updates);
            }
            else
            {
                return;
            }
        }

        _gapSince = null;
    }

    private void Apply(FeedEvent feedEvent, List<FeedUpdate> updates)
    {
        Sequence = feedEvent.Sequence;
        var item = feedEvent.Item;
        var index = Items.FindIndex(existing => string.Equals(existing.Id, item.Id, StringComparison.Ordinal));
        Items = feedEvent.Kind switch
        {
            FeedEventKind.Published when index >= 0 => Items.SetItem(index, item),
            FeedEventKind.Published => Trim(Items.Insert(0, item)),
            // A correction of an item older than those kept changes nothing the reader shows.
            FeedEventKind.Corrected when index >= 0 => Items.SetItem(index, item),
            FeedEventKind.Retracted when index >= 0 => Items.RemoveAt(index),
            _ => Items,
        };
        updates.Add(new FeedUpdate { Feed = Feed, Epoch = feedEvent.Epoch, Sequence = Sequence, Event = feedEvent, Items = Items });
    }

    private ImmutableList<FeedItem> Trim(ImmutableList<FeedItem> items) =>
        items.Count > maxItems ? items.RemoveRange(maxItems, items.Count - maxItems) : items;
}
