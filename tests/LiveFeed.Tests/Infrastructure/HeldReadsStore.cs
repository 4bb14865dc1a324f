using System.Collections.Concurrent;
using LiveFeed.Contracts;
using LiveFeed.Feeds;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A store around another that records the reads made of it and can hold one: a read is passed on at once (it sees the
/// feed as it is when it starts), is recorded once the inner store has taken it, and its answer is held until released;
/// the next read can be made to fail. Like the Redis store, a read given a cancelled token fails. Writes pass through.
/// </summary>
public sealed class HeldReadsStore(IFeedStore inner) : IFeedStore
{
    private readonly ConcurrentQueue<TaskCompletionSource> _holds = new();
    private Exception? _failure;
    private int _listingReads;
    private int _highlightsReads;

    /// <summary>The requests of each page read, in the order they started.</summary>
    public ConcurrentQueue<IReadOnlyList<PageRequest>> PageReads { get; } = new();

    /// <summary>The tokens reads were given.</summary>
    public ConcurrentQueue<CancellationToken> Tokens { get; } = new();

    public int ListingReads => _listingReads;

    public int HighlightsReads => _highlightsReads;

    /// <summary>The next read to start is held until the answer is set.</summary>
    public TaskCompletionSource HoldNextRead()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds.Enqueue(hold);
        return hold;
    }

    /// <summary>The next read to start fails with <paramref name="failure"/>.</summary>
    public void FailNextRead(Exception failure) => _failure = failure;

    public Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reading = inner.ReadPagesAsync(feed, requests, cancellationToken);
        PageReads.Enqueue([.. requests]);
        return HeldAsync(reading, cancellationToken);
    }

    public Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reading = inner.ListItemsAsync(feed, beforeItemId, limit, cancellationToken);
        Interlocked.Increment(ref _listingReads);
        return HeldAsync(reading, cancellationToken);
    }

    public Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken) =>
        inner.PublishAsync(item, idempotencyKey, cancellationToken);

    public Task<ChangeResult> CorrectAsync(string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        inner.CorrectAsync(feed, itemId, content, updatedAt, by, ifMatch, cancellationToken);

    public Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        inner.RetractAsync(feed, itemId, retractedAt, by, ifMatch, cancellationToken);

    public Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken) => inner.GetItemAsync(feed, itemId, cancellationToken);

    public Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reading = inner.GetHighlightsAsync(feed, cancellationToken);
        Interlocked.Increment(ref _highlightsReads);
        return HeldAsync(reading, cancellationToken);
    }

    public Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken) =>
        inner.GetHistoryAsync(feed, itemId, cancellationToken);

    public Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken) => inner.ListFeedsAsync(cancellationToken);

    public Task CheckAvailableAsync(CancellationToken cancellationToken) => inner.CheckAvailableAsync(cancellationToken);

    private async Task<T> HeldAsync<T>(Task<T> reading, CancellationToken cancellationToken)
    {
        Tokens.Enqueue(cancellationToken);
        var hold = _holds.TryDequeue(out var next) ? next.Task : Task.CompletedTask;
        var failure = Interlocked.Exchange(ref _failure, null);
        var answer = await reading;
        await hold.WaitAsync(cancellationToken);
        return failure is null ? answer : throw failure;
    }
}
