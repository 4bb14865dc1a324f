using LiveFeed.Contracts;

namespace LiveFeed.Server.Hubs;

/// <summary>What the server calls on readers.</summary>
public interface IFeedClient
{
    /// <summary><c>FeedEvent(event)</c>: one change to a feed the reader subscribed to.</summary>
    Task FeedEvent(FeedEvent feedEvent);
}
