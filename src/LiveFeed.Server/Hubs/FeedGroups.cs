namespace LiveFeed.Server.Hubs;

/// <summary>The SignalR group of each feed's readers: one name, built in one place.</summary>
internal static class FeedGroups
{
    public static string For(string feed) => "feed:" + feed;
}
