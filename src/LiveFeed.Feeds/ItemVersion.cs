using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>
/// The version of an item: the sequence of its latest event, in the feed's epoch. It changes with every event of
/// the item and only then, and it is the store's own number, so every instance sharing a store names the same
/// version the same way (the API's <c>ETag</c>).
/// </summary>
public readonly record struct ItemVersion(string Epoch, long Sequence);

/// <summary>An item as it stands now, with its version.</summary>
public sealed record StoredItem(FeedItem Item, ItemVersion Version);

/// <summary>
/// The versions a write is made on (<c>If-Match</c>): it goes through only when the item's current version is one of
/// <see cref="Versions"/>, or, when <see cref="AnyVersion"/>, when the item exists at all.
/// </summary>
public sealed record IfMatch(IReadOnlyList<ItemVersion> Versions, bool AnyVersion = false)
{
    /// <summary><c>If-Match: *</c>.</summary>
    public static IfMatch Any { get; } = new([], AnyVersion: true);

    /// <summary>Whether a write on an item at <paramref name="current"/> may go through.</summary>
    public bool Matches(ItemVersion current) => AnyVersion || Versions.Contains(current);
}
