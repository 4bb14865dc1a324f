using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>The editable content of an item, already validated against <see cref="ItemLimits"/>.</summary>
public sealed record ItemContent(
    string Headline,
    string? Body,
    ItemPriority Priority,
    IReadOnlyList<string> Tags,
    string? Link)
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
    };

    /// <summary><paramref name="item"/> corrected to this content at <paramref name="updatedAt"/>.</summary>
    public FeedItem Correct(FeedItem item, DateTime updatedAt)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with { Headline = Headline, Body = Body, Priority = Priority, Tags = Tags, Link = Link, UpdatedAt = updatedAt };
    }
}
