namespace LiveFeed.Feeds;

/// <summary>What one reader asks of a feed (<see cref="IFeedStore.ReadPagesAsync"/>).</summary>
/// <param name="After">The reader's position, or null for none (a reset page).</param>
/// <param name="MaxEvents">The most events the page may hold.</param>
public readonly record struct PageRequest(FeedPosition? After, int MaxEvents);
