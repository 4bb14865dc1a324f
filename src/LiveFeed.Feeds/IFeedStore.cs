using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>
/// Where every feed's items and events are kept. Every implementation passes the same
/// contract test suite (<c>FeedStoreContractTests</c>) and guarantees:
/// <list type="bullet">
/// <item>Appending an event and giving it the next sequence is one atomic step per feed, also
/// across instances sharing the store: sequences start at 1, increase by exactly 1, and are never reused.</item>
/// <item>A feed's epoch names one lifetime of its log. It is the same before and after the feed's
/// first event, and changes only when the log is lost (an in-memory store restarted, Redis wiped).</item>
/// <item>The last <see cref="FeedOptions.EventRetention"/> events and <see cref="FeedOptions.ItemRetention"/>
/// items of each feed are kept; older ones are dropped in the same atomic step that appends.</item>
/// <item>Every item has a version (<see cref="ItemVersion"/>): the sequence of its latest event. A write with an
/// <see cref="IfMatch"/> checks it and writes in one atomic step, so of two writes made on the same version exactly one
/// goes through, also across instances.</item>
/// <item>At most one non-retracted item of a feed is pinned: a write that pins an item unpins the pinned one in the same
/// atomic step, with a <see cref="FeedEventKind.Corrected"/> event of its own just before the write's event; a
/// retraction unpins the item it retracts.</item>
/// <item>A method that returns has stored what it reports; when the store cannot be reached it throws
/// <see cref="FeedStoreUnavailableException"/> and has stored nothing. A write the store did not answer in
/// time is settled by asking the store whether it happened; only when that cannot be learned either does the
/// exception say it may have stored (<see cref="FeedStoreUnavailableException.MayHaveStored"/>).</item>
/// </list>
/// Feed names and item content are validated by the caller.
/// </summary>
public interface IFeedStore
{
    /// <summary>
    /// Appends a <see cref="FeedEventKind.Published"/> event for <paramref name="item"/>. With an
    /// <paramref name="idempotencyKey"/> already used on this feed within 24 hours, appends nothing and
    /// answers the original item. A pinned item unpins the feed's pinned item (<see cref="PublishResult.Unpinned"/>),
    /// which gets the item's <c>publishedAt</c> as its <c>updatedAt</c> and the item's author as its <c>updatedBy</c>.
    /// </summary>
    Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces an item's content and sets its <c>updatedAt</c> and <c>updatedBy</c> (<paramref name="by"/>, the key's
    /// name), appending a <see cref="FeedEventKind.Corrected"/> event; when the content pins it, the pinned item is
    /// unpinned as by a publication. A retracted item answers <see cref="ChangeStatus.AlreadyRetracted"/> whatever
    /// <paramref name="ifMatch"/> says; otherwise an <paramref name="ifMatch"/> the item's version does not meet answers
    /// <see cref="ChangeStatus.VersionMismatch"/> and appends nothing.
    /// </summary>
    Task<ChangeResult> CorrectAsync(
        string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an item retracted (and not pinned) by <paramref name="by"/>, appending a <see cref="FeedEventKind.Retracted"/>
    /// event the first time only. An <paramref name="ifMatch"/> the item's version does not meet answers
    /// <see cref="ChangeStatus.VersionMismatch"/> and appends nothing, also for an item already retracted.
    /// </summary>
    Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken);

    /// <summary>One kept item, retracted or not, with its version; null when unknown.</summary>
    Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken);

    /// <summary>
    /// The feed's pinned item and its newest key events (up to <see cref="HighlightsRead.MaxKeyEvents"/>, in the feed's
    /// order, newest first), however old (a reset page holds only the latest items), none retracted, with the position
    /// they were read at, in one atomic step.
    /// </summary>
    Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken);

    /// <summary>The kept events of one kept item, oldest first; null when the item is unknown.</summary>
    Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> non-retracted items, newest first, older than <paramref name="beforeItemId"/>
    /// when given. Throws <see cref="UnknownItemException"/> when that item is not kept.
    /// </summary>
    Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// What each of several readers of one feed needs, read in one atomic step: answer <c>i</c> is the page of
    /// <c>requests[i]</c>, and all answers are of the same moment. A reader at a position gets, by the contract's
    /// rules, the events after it (at most <see cref="PageRequest.MaxEvents"/>, oldest first) when it is in the current
    /// epoch and all of them are kept; otherwise, and without a position, a reset page with the latest
    /// <see cref="FeedOptions.SnapshotSize"/> items. Pages are built by <see cref="FeedTail.PageFor"/>.
    /// One reader's read is <see cref="FeedStoreReads.ReadAsync"/>.
    /// </summary>
    Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken);

    /// <summary>Every feed that has at least one event.</summary>
    Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="FeedStoreUnavailableException"/> when the store cannot be reached.</summary>
    Task CheckAvailableAsync(CancellationToken cancellationToken);
}

/// <summary>Reads of one reader.</summary>
public static class FeedStoreReads
{
    /// <summary>
    /// What a reader at <paramref name="after"/> needs, by the contract's rules: the events after it
    /// (at most <paramref name="maxEvents"/>, oldest first) when it is in the current epoch and all of them
    /// are kept; otherwise a reset page with the latest <see cref="FeedOptions.SnapshotSize"/> items.
    /// </summary>
    public static async Task<FeedPage> ReadAsync(this IFeedStore store, string feed, FeedPosition? after, int maxEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.ReadPagesAsync(feed, [new PageRequest(after, maxEvents)], cancellationToken))[0];
    }
}
