using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>How every store makes a <see cref="FeedEvent"/>, so that both answer the same <see cref="FeedEvent.By"/>.</summary>
public static class FeedEvents
{
    /// <summary>The event <paramref name="sequence"/> of <paramref name="kind"/> that left <paramref name="item"/> as it is.</summary>
    public static FeedEvent Create(string epoch, long sequence, FeedEventKind kind, FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new FeedEvent { Feed = item.Feed, Epoch = epoch, Sequence = sequence, Kind = kind, Item = item, By = By(kind, item) };
    }

    /// <summary>
    /// Who made the change: a publication's author; a correction's or retraction's <see cref="FeedItem.UpdatedBy"/> (the
    /// event's item is the item after it, so that is this very change). An event stored before v2 recorded no
    /// <c>updatedBy</c>: then the author, the only name the store has.
    /// </summary>
    public static string By(FeedEventKind kind, FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return kind == FeedEventKind.Published ? item.Author : item.UpdatedBy ?? item.Author;
    }

    /// <summary><paramref name="item"/> retracted at <paramref name="at"/> by <paramref name="by"/>: a retracted item is never pinned.</summary>
    public static FeedItem Retract(FeedItem item, DateTime at, string by)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with { RetractedAt = at, UpdatedBy = by, Pinned = false };
    }

    /// <summary>
    /// The feed's pinned <paramref name="item"/> unpinned because another item was pinned at <paramref name="at"/> by
    /// <paramref name="by"/>. The unpin is a correction of the item like any other (its own <c>corrected</c> event), so it
    /// gets that change's time and name: <c>updatedAt</c> and <c>updatedBy</c> always say who changed the item last and when.
    /// </summary>
    public static FeedItem Unpin(FeedItem item, DateTime at, string by)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with { Pinned = false, UpdatedAt = at, UpdatedBy = by };
    }
}

/// <summary>When a correction or retraction is refused before anything is written: the same rule in every store.</summary>
public static class ChangeRules
{
    /// <summary>
    /// The answer for a change of <paramref name="kind"/> on <paramref name="current"/> that must not be made, or null.
    /// A retracted item: a correction is refused (409) whatever <paramref name="ifMatch"/> says, as it would be without
    /// it (RFC 9110, 13.2.1: preconditions are ignored when the answer would be an error anyway); a second retraction
    /// changes nothing, but only when its If-Match holds. Then an If-Match the item's version does not meet.
    /// </summary>
    public static ChangeResult? Refusal(FeedEventKind kind, StoredItem current, IfMatch? ifMatch)
    {
        ArgumentNullException.ThrowIfNull(current);
        var matches = ifMatch?.Matches(current.Version) ?? true;
        if (current.Item.RetractedAt is not null && (kind != FeedEventKind.Retracted || matches))
        {
            return new ChangeResult(ChangeStatus.AlreadyRetracted, current.Item, null, current.Version);
        }

        return matches ? null : ChangeResult.Mismatch(current);
    }
}
