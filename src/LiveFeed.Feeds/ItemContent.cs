using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>The editable content of an item, already validated against <see cref="ItemLimits"/>.</summary>
/// <remarks>A correction replaces all of it: <paramref name="Pinned"/> and <paramref name="KeyEvent"/> left out are false.</remarks>
public sealed record ItemContent(
    string Headline,
    string? Body,
    ItemPriority Priority,
    IReadOnlyList<string> Tags,
    string? Link,
    bool Pinned = false,
    bool KeyEvent = false)
{
    /// <summary>A new item with this content.</summary>
    public FeedItem ToNewItem(string id, string feed, string author, DateTime publishedAt) => new()
    {
        Id = id,
        Feed = feed,
        Headline = Headline,
        Body = Body,
        Priority = Priority,
        Tags = Tags,
        Link = Link,
        Author = author,
        PublishedAt = publishedAt,
        Pinned = Pinned,
        KeyEvent = KeyEvent,
    };

    /// <summary><paramref name="item"/> corrected to this content at <paramref name="updatedAt"/> by the key named <paramref name="by"/>.</summary>
    public FeedItem Correct(FeedItem item, DateTime updatedAt, string by)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with
        {
            Headline = Headline, Body = Body, Priority = Priority, Tags = Tags, Link = Link, Pinned = Pinned, KeyEvent = KeyEvent,
            UpdatedAt = updatedAt, UpdatedBy = by,
        };
    }
}
