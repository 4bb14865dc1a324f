using System.Text.Json.Serialization;

namespace LiveFeed.Contracts;

/// <summary>
/// The body of <c>POST /api/feeds/{feed}/items</c> (publish, or schedule with <see cref="PublishAt"/>),
/// <c>PUT .../items/{id}</c> (correct) and <c>PUT .../scheduled/{id}</c> (replace a scheduled item).
/// Only these fields are accepted; the server answers 400 naming any other.
/// </summary>
public sealed record ItemRequest
{
    /// <summary>1 to 280 characters after trimming; no control characters.</summary>
    public required string Headline { get; init; }

    /// <summary>Up to 4000 characters; line breaks allowed.</summary>
    public string? Body { get; init; }

    /// <summary>Defaults to <see cref="ItemPriority.Normal"/>.</summary>
    public ItemPriority? Priority { get; init; }

    /// <summary>At most 10 tags of 1 to 32 characters.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>An absolute http(s) URL of at most 2048 characters.</summary>
    public string? Link { get; init; }

    /// <summary>Pins the item above the column, unpinning the feed's pinned item; left out or null is false.</summary>
    public bool? Pinned { get; init; }

    /// <summary>Marks the item for the "Key events" summary; left out or null is false.</summary>
    public bool? KeyEvent { get; init; }

    /// <summary>
    /// When to publish it (5 s to 30 days ahead): a <c>POST</c> with it schedules the item (<c>202</c>), a
    /// <c>PUT .../scheduled/{id}</c> needs it, a <c>PUT .../items/{id}</c> refuses it (the item is already out).
    /// </summary>
    [JsonConverter(typeof(UtcTimestampJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? PublishAt { get; init; }
}
