using System.Collections.Concurrent;
using System.Security.Cryptography;
using LiveFeed.Contracts;
using Microsoft.Extensions.Options;

namespace LiveFeed.Feeds.InMemory;

/// <summary>
/// The single-instance store: every feed's log lives in this process and is lost when it stops.
/// One epoch names the whole process lifetime, so a restart resets every reader.
/// Each feed's log is guarded by its own lock: that is what makes append-and-number atomic.
/// </summary>
public sealed class InMemoryFeedStore(IOptions<FeedOptions> options, TimeProvider time) : IFeedStore
{
    private readonly FeedOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, InMemoryFeedLog> _feeds = new(StringComparer.Ordinal);

    /// <summary>The epoch of every feed in this store.</summary>
    public string Epoch { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <inheritdoc />
    public Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var log = _feeds.GetOrAdd(item.Feed, _ => new InMemoryFeedLog(Epoch, _options));
        lock (log)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (idempotencyKey is not null && log.FindIdempotent(idempotencyKey, now) is { } original)
            {
                var kept = log.FindStored(original.Id);
                return Task.FromResult(new PublishResult(kept?.Item ?? original, null, kept?.Version));
            }

            var (unpinned, appended) = log.AppendWithPin(FeedEventKind.Published, item, isNew: true, item.PublishedAt, item.Author);
            if (idempotencyKey is not null)
            {
                log.RememberIdempotent(idempotencyKey, item, now + Idempotency.Window);
            }

            return Task.FromResult(new PublishResult(item, appended, new ItemVersion(Epoch, appended.Sequence)) { Unpinned = unpinned });
        }
    }

    /// <inheritdoc />
    public Task<ChangeResult> CorrectAsync(
        string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Change(feed, itemId, FeedEventKind.Corrected, current => content.Correct(current, updatedAt, by), updatedAt, by, ifMatch);
    }

    /// <inheritdoc />
    public Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        Change(feed, itemId, FeedEventKind.Retracted, current => FeedEvents.Retract(current, retractedAt, by), retractedAt, by, ifMatch);

    // The If-Match check and the write happen under the feed's lock: one atomic step.
    private Task<ChangeResult> Change(string feed, string itemId, FeedEventKind kind, Func<FeedItem, FeedItem> change, DateTime at, string by, IfMatch? ifMatch)
    {
        if (!_feeds.TryGetValue(feed, out var log))
        {
            return Task.FromResult(ChangeResult.NotFound);
        }

        lock (log)
        {
            if (log.FindStored(itemId) is not { } current)
            {
                return Task.FromResult(ChangeResult.NotFound);
            }

            if (ChangeRules.Refusal(kind, current, ifMatch) is { } refusal)
            {
                return Task.FromResult(refusal);
            }

            var changed = change(current.Item);
            var (unpinned, appended) = log.AppendWithPin(kind, changed, isNew: false, at, by);
            return Task.FromResult(new ChangeResult(ChangeStatus.Changed, changed, appended, new ItemVersion(Epoch, appended.Sequence)) { Unpinned = unpinned });
        }
    }

    /// <inheritdoc />
    public Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken)
    {
        if (!_feeds.TryGetValue(feed, out var log))
        {
            return Task.FromResult<StoredItem?>(null);
        }

        lock (log)
        {
            return Task.FromResult(log.FindStored(itemId));
        }
    }

    /// <inheritdoc />
    public Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken)
    {
        if (!_feeds.TryGetValue(feed, out var log))
        {
            return Task.FromResult(new HighlightsRead(Epoch, 0, null, []));
        }

        lock (log)
        {
            return Task.FromResult(new HighlightsRead(
                Epoch, log.Sequence, log.PinnedId is { } id ? log.Find(id) : null, log.KeyEvents(HighlightsRead.MaxKeyEvents)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken)
    {
        if (!_feeds.TryGetValue(feed, out var log))
        {
            return Task.FromResult<IReadOnlyList<FeedEvent>?>(null);
        }

        lock (log)
        {
            return Task.FromResult(log.Find(itemId) is null ? null : log.History(itemId));
        }
    }

    /// <inheritdoc />
    public Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken)
    {
        if (!_feeds.TryGetValue(feed, out var log))
        {
            if (beforeItemId is not null)
            {
                throw new UnknownItemException(beforeItemId);
            }

            return Task.FromResult(new ItemsSlice(Epoch, 0, [], false));
        }

        lock (log)
        {
            var (items, hasOlder) = log.Latest(beforeItemId, limit);
            return Task.FromResult(new ItemsSlice(Epoch, log.Sequence, items, hasOlder));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        FeedTail tail;
        if (!_feeds.TryGetValue(feed, out var log))
        {
            // An unknown feed is an empty one; reading it must not create it.
            tail = new FeedTail(feed, Epoch, 0, 1, 0, [], []);
        }
        else
        {
            lock (log)
            {
                tail = log.Tail(feed, requests);
            }
        }

        return Task.FromResult<IReadOnlyList<FeedPage>>(requests.Select(tail.PageFor).ToList());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken)
    {
        var feeds = new List<FeedSummary>();
        foreach (var (name, log) in _feeds)
        {
            long sequence;
            lock (log)
            {
                sequence = log.Sequence;
            }

            if (sequence > 0)
            {
                feeds.Add(new FeedSummary { Feed = name, Epoch = Epoch, Sequence = sequence });
            }
        }

        feeds.Sort((a, b) => string.CompareOrdinal(a.Feed, b.Feed));
        return Task.FromResult<IReadOnlyList<FeedSummary>>(feeds);
    }

    /// <inheritdoc />
    public Task CheckAvailableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
