using MessagePack;

namespace LiveFeed.Contracts;

/// <summary>One change to a feed. Per feed, sequences start at 1 and increase by exactly 1.</summary>
[MessagePackObject]
public sealed record FeedEvent
{
    /// <summary>The feed that changed.</summary>
    [Key("feed")] public required string Feed { get; init; }

    /// <summary>The lifetime of the feed's log this sequence belongs to.</summary>
    [Key("epoch")] public required string Epoch { get; init; }

    /// <summary>The event's position in the feed.</summary>
    [Key("sequence")] public required long Sequence { get; init; }

    /// <summary>What happened to the item.</summary>
    [Key("kind")] public required FeedEventKind Kind { get; init; }

    /// <summary>The item as it stands after this event.</summary>
    [Key("item")] public required FeedItem Item { get; init; }

    /// <summary>
    /// The name of the newsroom key that made this change (v2): the item's author for a publication, its
    /// <see cref="FeedItem.UpdatedBy"/> for a correction or retraction. Not <c>required</c> only so that an event
    /// from an instance older than v2 still reads; every store sets it.
    /// </summary>
    [Key("by")] public string By { get; init; } = string.Empty;
}
