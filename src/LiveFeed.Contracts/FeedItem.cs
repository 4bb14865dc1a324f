using System.Text.Json.Serialization;
using MessagePack;

namespace LiveFeed.Contracts;

/// <summary>One timestamped news item of a feed, as it stands now.</summary>
/// <remarks>
/// Timestamps are UTC <see cref="DateTime"/>s with millisecond precision: the MessagePack
/// timestamp extension on the MessagePack protocol, ISO-8601 strings ending in <c>Z</c> in JSON.
/// </remarks>
[MessagePackObject]
public sealed record FeedItem
{
    /// <summary>Server-assigned, unique, URL-safe, at most 64 characters.</summary>
    [Key("id")] public required string Id { get; init; }

    /// <summary>The feed the item belongs to.</summary>
    [Key("feed")] public required string Feed { get; init; }

    /// <summary>1 to 280 characters of plain text.</summary>
    [Key("headline")] public required string Headline { get; init; }

    /// <summary>Up to 4000 characters of plain text with line breaks, or null.</summary>
    [Key("body")] public string? Body { get; init; }

    /// <summary>How prominently readers show it.</summary>
    [Key("priority")] public ItemPriority Priority { get; init; }

    /// <summary>At most 10 tags of 1 to 32 characters.</summary>
    [Key("tags")] public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>An absolute http(s) URL, or null.</summary>
    [Key("link")] public string? Link { get; init; }

    /// <summary>The name of the newsroom key that posted the item.</summary>
    [Key("author")] public required string Author { get; init; }

    /// <summary>When the server published the item; never changes.</summary>
    [Key("publishedAt"), JsonConverter(typeof(UtcTimestampJsonConverter))]
    public required DateTime PublishedAt { get; init; }

    /// <summary>When the latest correction was made, or null.</summary>
    [Key("updatedAt"), JsonConverter(typeof(UtcTimestampJsonConverter))]
    public DateTime? UpdatedAt { get; init; }

    /// <summary>When the item was retracted, or null.</summary>
    [Key("retractedAt"), JsonConverter(typeof(UtcTimestampJsonConverter))]
    public DateTime? RetractedAt { get; init; }

    /// <summary>
    /// Readers show it above the column (v2). At most one non-retracted item of a feed is pinned:
    /// pinning one unpins the one before, and a retracted item is never pinned.
    /// </summary>
    [Key("pinned")] public bool Pinned { get; init; }

    /// <summary>Marks the item for the feed's "Key events" summary (v2).</summary>
    [Key("keyEvent")] public bool KeyEvent { get; init; }

    /// <summary>The name of the newsroom key of the latest correction or retraction, or null (v2).</summary>
    [Key("updatedBy")] public string? UpdatedBy { get; init; }
}
