namespace LiveFeed.Contracts;

/// <summary>The answer of <c>GET /api/feeds/{feed}/items</c>: newest first, retracted items left out.</summary>
public sealed record ItemsPage
{
    /// <summary>The feed.</summary>
    public required string Feed { get; init; }

    /// <summary>The feed's current epoch.</summary>
    public required string Epoch { get; init; }

    /// <summary>The feed's latest sequence.</summary>
    public required long Sequence { get; init; }

    /// <summary>The items of this page, newest first.</summary>
    public required IReadOnlyList<FeedItem> Items { get; init; }

    /// <summary>The URL of the next, older page, or null when this is the last.</summary>
    public string? Next { get; init; }
}

/// <summary>One entry of <c>GET /api/feeds</c>.</summary>
public sealed record FeedSummary
{
    /// <summary>The feed.</summary>
    public required string Feed { get; init; }

    /// <summary>The feed's current epoch.</summary>
    public required string Epoch { get; init; }

    /// <summary>The feed's latest sequence.</summary>
    public required long Sequence { get; init; }
}
