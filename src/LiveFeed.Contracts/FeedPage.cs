using MessagePack;

namespace LiveFeed.Contracts;

/// <summary>
/// The answer of <c>Subscribe</c> and of <c>GET /api/feeds/{feed}/events</c>: either a reset
/// (start over from <see cref="Items"/>) or the events after the asked position.
/// </summary>
[MessagePackObject]
public sealed record FeedPage
{
    /// <summary>The feed.</summary>
    [Key("feed")] public required string Feed { get; init; }

    /// <summary>The feed's current epoch.</summary>
    [Key("epoch")] public required string Epoch { get; init; }

    /// <summary>The feed's latest sequence (0 when empty).</summary>
    [Key("sequence")] public required long Sequence { get; init; }

    /// <summary>True: start over from <see cref="Items"/>. False: apply <see cref="Events"/>.</summary>
    [Key("reset")] public required bool Reset { get; init; }

    /// <summary>When reset: the latest non-retracted items, newest first.</summary>
    [Key("items")] public IReadOnlyList<FeedItem> Items { get; init; } = [];

    /// <summary>When not reset: the events after the asked position, oldest first.</summary>
    [Key("events")] public IReadOnlyList<FeedEvent> Events { get; init; } = [];
}
