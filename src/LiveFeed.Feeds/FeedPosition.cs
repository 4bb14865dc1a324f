namespace LiveFeed.Feeds;

/// <summary>Where a reader is in a feed: the last sequence it applied, in one epoch of the feed's log.</summary>
public readonly record struct FeedPosition(string Epoch, long Sequence);
