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
}
