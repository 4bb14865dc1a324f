using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>The editable content of an item, already validated against <see cref="ItemLimits"/>.</summary>
public sealed record ItemContent(
    string Headline,
    string? Body,
    ItemPriority Priority,
    IReadOnlyList<string> Tags,
    string? Link);
