using System.Collections.Concurrent;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Broadcast;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;

namespace LiveFeed.Server.Newsroom;

/// <summary>
/// Publishes, corrects and retracts items: stores the event, then hands it to the broadcast.
/// What it answers is stored; nothing is broadcast that is not.
/// </summary>
internal sealed class NewsroomService(
    IFeedStore store,
    StoredEvents storedEvents,
    TimeProvider time,
    LiveFeedMetrics metrics,
    ILogger<NewsroomService> logger)
{
    // One gate per feed on this instance. The store numbers events atomically, but two requests could
    // still hand their events to the broadcast in the opposite order; holding the gate from the append
    // to the hand-over keeps this instance's readers receiving each feed in sequence order.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public Task<PublishResult> PublishAsync(string feed, ItemContent content, string author, string? idempotencyKey, CancellationToken cancellationToken) =>
        PublishAsync(content.ToNewItem(NewId(), feed, author, Now()), idempotencyKey, cancellationToken);

    /// <summary>
    /// Publishes a scheduled item now, under its id, with <c>publishedAt</c> this moment. Its idempotency key is derived
    /// from its id (<see cref="ScheduledIdempotencyKey"/>), so that publishing it again (another instance that claimed
    /// it after this one's lease ran out) answers the item first published and makes no second event.
    /// </summary>
    public Task<PublishResult> PublishScheduledAsync(ScheduledItem scheduled, CancellationToken cancellationToken)
    {
        var content = new ItemContent(scheduled.Headline, scheduled.Body, scheduled.Priority, scheduled.Tags, scheduled.Link, scheduled.Pinned, scheduled.KeyEvent);
        return PublishAsync(content.ToNewItem(scheduled.Id, scheduled.Feed, scheduled.Author, Now()), ScheduledIdempotencyKey(scheduled.Id), cancellationToken);
    }

    /// <summary>
    /// The idempotency key a scheduled item is published under. It holds a space, which no client's
    /// <c>Idempotency-Key</c> may (visible ASCII only), so no request can take it.
    /// </summary>
    public static string ScheduledIdempotencyKey(string id) => "scheduled " + id;

    private async Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var result = await AppendAsync(item.Feed, () => store.PublishAsync(item, idempotencyKey, CancellationToken.None), r => [r.Unpinned, r.Event], cancellationToken);
        LogUnpinned(result.Unpinned, item.Author);
        if (result.Event is { } appended)
        {
            LiveFeedLog.Published(logger, item.Feed, appended.Sequence, appended.Item.Id, item.Author);
        }
        else
        {
            LiveFeedLog.IdempotentReplay(logger, item.Feed, result.Item.Id, item.Author);
        }

        return result;
    }

    public async Task<ChangeResult> CorrectAsync(string feed, string itemId, ItemContent content, string author, IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        var result = await AppendAsync(
            feed, () => store.CorrectAsync(feed, itemId, content, Now(), author, ifMatch, CancellationToken.None), r => [r.Unpinned, r.Event], cancellationToken);
        LogUnpinned(result.Unpinned, author);
        if (result.Event is { } appended)
        {
            LiveFeedLog.Corrected(logger, feed, appended.Sequence, itemId, author);
        }

        return result;
    }

    public async Task<ChangeResult> RetractAsync(string feed, string itemId, string author, IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        var result = await AppendAsync(feed, () => store.RetractAsync(feed, itemId, Now(), author, ifMatch, CancellationToken.None), r => [r.Event], cancellationToken);
        if (result.Event is { } appended)
        {
            LiveFeedLog.Retracted(logger, feed, appended.Sequence, itemId, author);
        }

        return result;
    }

    // An item unpinned because another was pinned: a correction of it, by the key that pinned the other.
    private void LogUnpinned(FeedEvent? unpinned, string author)
    {
        if (unpinned is not null)
        {
            LiveFeedLog.Corrected(logger, unpinned.Feed, unpinned.Sequence, unpinned.Item.Id, author);
        }
    }

    /// <summary>Runs a write and hands the events it appended (in sequence order, nulls for none) to the broadcast.</summary>
    private async Task<T> AppendAsync<T>(string feed, Func<Task<T>> append, Func<T, FeedEvent?[]> appendedEvents, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(feed, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Once the store is asked, the request's cancellation no longer applies: a write that the
            // store made must reach the broadcast.
            var result = await append();
            foreach (var stored in appendedEvents(result))
            {
                if (stored is not null)
                {
                    storedEvents.Stored(stored);
                    metrics.EventStored(stored);
                }
            }

            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A new item id on the server's clock.</summary>
    public string NewId() => ItemIds.New(time);

    // The contract's timestamps have millisecond precision: cut the clock there so that what the
    // POST answers is exactly what readers and later GETs see.
    public DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }
}

/// <summary>Item ids: time-ordered, URL-safe, 32 characters.</summary>
internal static class ItemIds
{
    /// <summary>A new id whose time part is <paramref name="time"/>'s now, so ids follow the server's clock as timestamps do.</summary>
    public static string New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow()).ToString("N");

    /// <summary>True when <paramref name="id"/> could be an item id (anything else cannot exist).</summary>
    public static bool IsPlausible(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
