using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>Where a <see cref="FeedTracker"/> gets pages from: the hub's <c>Subscribe</c> and the API's events.</summary>
internal interface IFeedSource
{
    /// <summary><c>Subscribe(feed, epoch, sequence)</c>: no position (nulls) answers a reset page.</summary>
    Task<FeedPage> SubscribeAsync(string feed, string? epoch, long? sequence, CancellationToken cancellationToken);

    /// <summary><c>GET /api/feeds/{feed}/events?epoch=&amp;after=</c>: the events after a position (at most 1000), or a reset.</summary>
    Task<FeedPage> ReadEventsAsync(string feed, string epoch, long after, CancellationToken cancellationToken);
}
