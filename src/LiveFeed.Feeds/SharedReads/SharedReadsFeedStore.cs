using LiveFeed.Contracts;

namespace LiveFeed.Feeds.SharedReads;

/// <summary>
/// The store as an instance's readers use it: reads that come together share one read of <paramref name="store"/>
/// (<see cref="ReadFlights{TKey, TRequest, TResult}"/>), so that a crowd of readers resuming at once, or a surge of
/// <c>GET</c>s of one feed, costs the store about one read per feed per round trip, not one per reader. Guarantees:
/// <list type="bullet">
/// <item>Every answer is exactly what the reader's own read of <paramref name="store"/> would have answered at some
/// moment after its call began: a shared read never started before a call it answers. So a <c>Subscribe</c> that
/// joined its feed's group before reading misses no event, and a <c>GET</c> after a write sees that write.</item>
/// <item>Page reads of one feed (<see cref="ReadPagesAsync"/>: Subscribe, <c>GET .../events</c>, the feed documents)
/// share one read whatever their positions: it reads what the furthest-back reader needs and the latest items if one
/// needs a reset, and each gets its own page (<see cref="FeedTail.PageFor"/>). Listings of one feed from the same item
/// (<see cref="ListItemsAsync"/>) share one read of as many items as the longest asks for, and reads of one feed's pinned
/// item and key events (<see cref="GetHighlightsAsync"/>: every page load and every reset of a page) share one.</item>
/// <item>A store error reaches every reader of that read; one reader's cancellation cancels neither the read nor the
/// others; no reader waits more than two reads of <see cref="ReadTimeout"/>.</item>
/// </list>
/// Writes, single items and the feed list go straight to <paramref name="store"/>.
/// </summary>
public sealed class SharedReadsFeedStore(IFeedStore store, TimeProvider time) : IFeedStore
{
    /// <summary>How long a shared read may take before its readers are told the store cannot be reached.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly ReadFlights<string, PageRequest, FeedPage> _pages = new(
        (feed, requests) => store.ReadPagesAsync(feed, requests, CancellationToken.None), ReadTimeout, time);

    private readonly ReadFlights<(string Feed, string? Before), int, ItemsSlice> _listings = new(
        (key, limits) => ListForAllAsync(store, key.Feed, key.Before, limits), ReadTimeout, time);

    private readonly ReadFlights<string, bool, HighlightsRead> _highlights = new(
        async (feed, requests) =>
        {
            var highlights = await store.GetHighlightsAsync(feed, CancellationToken.None);
            return requests.Select(_ => highlights).ToList();
        },
        ReadTimeout, time);

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return await Task.WhenAll(requests.Select(request => _pages.ReadAsync(feed, request, cancellationToken)));
    }

    /// <inheritdoc />
    public Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken) =>
        _listings.ReadAsync((feed, beforeItemId), limit, cancellationToken);

    /// <inheritdoc />
    public Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken) =>
        store.PublishAsync(item, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<ChangeResult> CorrectAsync(string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        store.CorrectAsync(feed, itemId, content, updatedAt, by, ifMatch, cancellationToken);

    /// <inheritdoc />
    public Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        store.RetractAsync(feed, itemId, retractedAt, by, ifMatch, cancellationToken);

    /// <inheritdoc />
    public Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken) =>
        store.GetItemAsync(feed, itemId, cancellationToken);

    /// <inheritdoc />
    public Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken) => _highlights.ReadAsync(feed, true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken) =>
        store.GetHistoryAsync(feed, itemId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken) => store.ListFeedsAsync(cancellationToken);

    /// <inheritdoc />
    public Task CheckAvailableAsync(CancellationToken cancellationToken) => store.CheckAvailableAsync(cancellationToken);

    /// <summary>One listing of the longest of <paramref name="limits"/>, cut to each: the same items and "older" as a listing of its own.</summary>
    private static async Task<IReadOnlyList<ItemsSlice>> ListForAllAsync(IFeedStore store, string feed, string? before, IReadOnlyList<int> limits)
    {
        var longest = await store.ListItemsAsync(feed, before, limits.Max(), CancellationToken.None);
        return limits
            .Select(limit => longest.Items.Count <= limit
                ? longest
                : longest with { Items = longest.Items.Take(limit).ToArray(), HasOlder = true })
            .ToList();
    }
}
