using System.Text.Json.Serialization;

namespace LiveFeed.Contracts;

/// <summary>
/// An item waiting for its time: the answer of a <c>POST /api/feeds/{feed}/items</c> with <c>publishAt</c> (<c>202</c>),
/// and of the scheduled-item API (<c>/api/feeds/{feed}/scheduled</c>). At <see cref="PublishAt"/> it is published
/// once, under the same <see cref="Id"/>.
/// </summary>
public sealed record ScheduledItem
{
    /// <summary>The id the item will be published under.</summary>
    public required string Id { get; init; }

    /// <summary>The feed it will be published to.</summary>
    public required string Feed { get; init; }

    /// <summary>When it goes out (UTC, millisecond precision).</summary>
    [JsonConverter(typeof(UtcTimestampJsonConverter))]
    public required DateTime PublishAt { get; init; }

    /// <summary>1 to 280 characters of plain text.</summary>
    public required string Headline { get; init; }

    /// <summary>Up to 4000 characters of plain text with line breaks, or null.</summary>
    public string? Body { get; init; }

    /// <summary>How prominently readers will show it.</summary>
    public ItemPriority Priority { get; init; }

    /// <summary>At most 10 tags of 1 to 32 characters.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>An absolute http(s) URL, or null.</summary>
    public string? Link { get; init; }

    /// <summary>Whether it will be the feed's pinned item.</summary>
    public bool Pinned { get; init; }

    /// <summary>Whether it will be one of the feed's key events.</summary>
    public bool KeyEvent { get; init; }

    /// <summary>The name of the newsroom key that scheduled it.</summary>
    public required string Author { get; init; }
}

/// <summary>The answer of <c>GET /api/feeds/{feed}/scheduled</c>: the feed's scheduled items, soonest first.</summary>
public sealed record ScheduledItemsPage
{
    /// <summary>The feed.</summary>
    public required string Feed { get; init; }

    /// <summary>The items still waiting, soonest first.</summary>
    public required IReadOnlyList<ScheduledItem> Items { get; init; }
}
