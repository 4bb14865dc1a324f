namespace LiveFeed.Contracts;

/// <summary>The names of the hub, its methods and its limits, as the contract states them.</summary>
public static class FeedHubProtocol
{
    /// <summary>The hub's path.</summary>
    public const string Path = "/hubs/feed";

    /// <summary><c>Subscribe(feed, epoch, sequence) -> FeedPage</c>.</summary>
    public const string Subscribe = "Subscribe";

    /// <summary><c>Unsubscribe(feed)</c>.</summary>
    public const string Unsubscribe = "Unsubscribe";

    /// <summary>Server to client: <c>FeedEvent(event)</c>.</summary>
    public const string FeedEvent = "FeedEvent";

    /// <summary>The most feeds one connection may subscribe to.</summary>
    public const int MaxFeedsPerConnection = 20;
}
