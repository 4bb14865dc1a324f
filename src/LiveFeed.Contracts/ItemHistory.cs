namespace LiveFeed.Contracts;

/// <summary>The answer of <c>GET /api/feeds/{feed}/items/{id}/history</c>: who published, corrected and retracted the item, and when.</summary>
public sealed record ItemHistory
{
    /// <summary>The feed.</summary>
    public required string Feed { get; init; }

    /// <summary>The item's id.</summary>
    public required string Id { get; init; }

    /// <summary>The item's events the server still keeps, oldest first (each with its <see cref="FeedEvent.By"/>).</summary>
    public required IReadOnlyList<FeedEvent> Events { get; init; }
}
