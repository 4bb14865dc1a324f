using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>The answer of <see cref="IFeedStore.PublishAsync"/>.</summary>
/// <param name="Item">The item as stored: the new one, or the original one on an idempotent retry.</param>
/// <param name="Event">The new event; null when the idempotency key was seen before and nothing was appended.</param>
/// <param name="Version">The item's version; null only for an idempotent retry whose item is no longer kept.</param>
public sealed record PublishResult(FeedItem Item, FeedEvent? Event, ItemVersion? Version)
{
    /// <summary>
    /// The <see cref="FeedEventKind.Corrected"/> event that unpinned the feed's pinned item, appended just before
    /// <see cref="Event"/> in the same atomic step, when the new item is pinned and another one was.
    /// </summary>
    public FeedEvent? Unpinned { get; init; }
}

/// <summary>What a correction or a retraction did.</summary>
public enum ChangeStatus
{
    /// <summary>The item changed and <see cref="ChangeResult.Event"/> was appended.</summary>
    Changed,

    /// <summary>No such item in the feed (never posted, or no longer kept).</summary>
    NotFound,

    /// <summary>The item is retracted: a correction is refused, a second retraction changes nothing.</summary>
    AlreadyRetracted,

    /// <summary>The item is not at a version the write's <see cref="IfMatch"/> names: nothing changed.</summary>
    VersionMismatch,
}

/// <summary>The answer of <see cref="IFeedStore.CorrectAsync"/> and <see cref="IFeedStore.RetractAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Item">The item as it stands now, when it exists.</param>
/// <param name="Event">The appended event, when <paramref name="Status"/> is <see cref="ChangeStatus.Changed"/>.</param>
/// <param name="Version">The item's version now, when it exists.</param>
public sealed record ChangeResult(ChangeStatus Status, FeedItem? Item, FeedEvent? Event, ItemVersion? Version)
{
    /// <summary>The answer for an unknown item.</summary>
    public static ChangeResult NotFound { get; } = new(ChangeStatus.NotFound, null, null, null);

    /// <summary>
    /// The <see cref="FeedEventKind.Corrected"/> event that unpinned the feed's pinned item, appended just before
    /// <see cref="Event"/> in the same atomic step, when this change pinned the item and another one was.
    /// </summary>
    public FeedEvent? Unpinned { get; init; }

    /// <summary>The answer when the item is not at a version <see cref="IfMatch"/> names.</summary>
    public static ChangeResult Mismatch(StoredItem current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new ChangeResult(ChangeStatus.VersionMismatch, current.Item, null, current.Version);
    }
}

/// <summary>A page of a feed's items, newest first, retracted ones left out.</summary>
/// <param name="Epoch">The feed's epoch.</param>
/// <param name="Sequence">The feed's latest sequence.</param>
/// <param name="Items">The items.</param>
/// <param name="HasOlder">True when older items exist beyond the last one of this page.</param>
public sealed record ItemsSlice(string Epoch, long Sequence, IReadOnlyList<FeedItem> Items, bool HasOlder);

/// <summary>
/// The answer of <see cref="IFeedStore.GetHighlightsAsync"/>: what the pages show above the column, however old, and the
/// position it was read at.
/// </summary>
/// <param name="Epoch">The feed's epoch.</param>
/// <param name="Sequence">The feed's latest sequence when it was read.</param>
/// <param name="Pinned">The pinned item; null when none is.</param>
/// <param name="KeyEvents">The newest <see cref="MaxKeyEvents"/> non-retracted items marked key events, newest first.</param>
public sealed record HighlightsRead(string Epoch, long Sequence, FeedItem? Pinned, IReadOnlyList<FeedItem> KeyEvents)
{
    /// <summary>The most key events a read answers (and the pages list).</summary>
    public const int MaxKeyEvents = 50;
}

/// <summary>The <c>before</c> item of a listing is not in the feed.</summary>
public sealed class UnknownItemException(string itemId)
    : Exception($"No item '{itemId}' is kept in this feed.")
{
    /// <summary>The id that was asked for.</summary>
    public string ItemId { get; } = itemId;
}
