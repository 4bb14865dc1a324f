using System.Diagnostics.CodeAnalysis;
using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// One change a <see cref="LiveFeedReader"/> applied to a feed, in the order it applied them: either an
/// event (<see cref="Event"/> set) or a reset (the feed started over from a fresh list of items).
/// </summary>
public sealed record FeedUpdate
{
    /// <summary>The feed that changed.</summary>
    public required string Feed { get; init; }

    /// <summary>The epoch of the feed's log after this update.</summary>
    public required string Epoch { get; init; }

    /// <summary>The last applied sequence after this update.</summary>
    public required long Sequence { get; init; }

    /// <summary>The applied event, or null when this update is a reset.</summary>
    public FeedEvent? Event { get; init; }

    /// <summary>
    /// True when the feed started over: on the first subscription, after the server lost its log
    /// (a new epoch), or when the reader was too far behind to catch up event by event.
    /// <see cref="Items"/> then replaces whatever the application showed.
    /// </summary>
    [MemberNotNullWhen(false, nameof(Event))]
    public bool IsReset => Event is null;

    /// <summary>The feed's current items after this update, newest first, retracted ones left out.</summary>
    public required IReadOnlyList<FeedItem> Items { get; init; }
}
